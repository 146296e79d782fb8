import { useTranslation } from "react-i18next";
import { Alert } from "../components/Alert.tsx";
import { Title } from "../components/Layout.tsx";
import { useAction } from "../components/useAction.ts";
import { describeError } from "../format.ts";
import type { ConnectActions } from "../useConnect.ts";

export type PasskeyLoginActions = Pick<ConnectActions, "passkeyLogin" | "useEmailCode" | "useAnotherAccount">;

/** A passkey sign-in that failed or was cancelled: retry, email code, or another account. */
export function PasskeyLoginScreen({
  reason,
  actions,
}: {
  reason: "cancelled" | "failed";
  actions: PasskeyLoginActions;
}) {
  const { t } = useTranslation();
  const { busy, error, run } = useAction();
  return (
    <>
      <Title>
        {reason === "cancelled" ? t("passkeyLogin.titleCancelled") : t("passkeyLogin.titleFailed")}
      </Title>
      <p>{t("passkeyLogin.text")}</p>
      <div className="stack">
        <button
          type="button"
          className="primary"
          disabled={busy}
          onClick={() => void run(actions.passkeyLogin)}
        >
          {t("passkeyLogin.retry")}
        </button>
        <button type="button" className="secondary" disabled={busy} onClick={actions.useEmailCode}>
          {t("passkeyLogin.useEmail")}
        </button>
        <button
          type="button"
          className="secondary"
          disabled={busy}
          onClick={() => void run(actions.useAnotherAccount)}
        >
          {t("passkeyLogin.useAnotherAccount")}
        </button>
        <Alert>{error ? describeError(t, error) : null}</Alert>
      </div>
    </>
  );
}
