import { useTranslation } from "react-i18next";
import { ApiError } from "../api.ts";
import { Alert } from "../components/Alert.tsx";
import { Title } from "../components/Layout.tsx";
import { useAction } from "../components/useAction.ts";
import { describeError } from "../format.ts";
import type { ConnectActions } from "../useConnect.ts";

export type PasskeyGeneratorActions = Pick<ConnectActions, "createPasskey" | "skipPasskey">;

/** After a new account's email code: offer a passkey, skippable. */
export function PasskeyGeneratorScreen({ actions }: { actions: PasskeyGeneratorActions }) {
  const { t } = useTranslation();
  const { busy, error, run } = useAction();
  // A WebAuthn error (cancelled dialog, no authenticator) reads as "could not be created".
  const message =
    error === null
      ? null
      : error instanceof ApiError
        ? describeError(t, error)
        : t("passkeyGenerator.failed");
  return (
    <>
      <Title>{t("passkeyGenerator.title")}</Title>
      <p>{t("passkeyGenerator.text")}</p>
      <div className="stack">
        <button
          type="button"
          className="primary"
          disabled={busy}
          onClick={() => void run(actions.createPasskey)}
        >
          {t("passkeyGenerator.create")}
        </button>
        <button type="button" className="secondary" disabled={busy} onClick={actions.skipPasskey}>
          {t("passkeyGenerator.skip")}
        </button>
        <Alert>{message}</Alert>
      </div>
    </>
  );
}
