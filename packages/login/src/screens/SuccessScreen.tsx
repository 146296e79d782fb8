import { useTranslation } from "react-i18next";
import type { AppInfo, SessionUser } from "../api.ts";
import { Alert } from "../components/Alert.tsx";
import { Title } from "../components/Layout.tsx";
import { useAction } from "../components/useAction.ts";
import { describeError } from "../format.ts";

/** entryState SUCCESS: "You are logged in" + "Back to {name}" (which returns the sign-in result). */
export function SuccessScreen({
  app,
  user,
  onBackToApp,
}: {
  app: AppInfo;
  user: SessionUser | null;
  onBackToApp: () => Promise<void>;
}) {
  const { t } = useTranslation();
  const { busy, error, run } = useAction();
  return (
    <>
      <Title>{t("success.title")}</Title>
      {user && <p>{t("success.text", { email: user.email })}</p>}
      <div className="stack">
        <button type="button" className="primary" disabled={busy} onClick={() => void run(onBackToApp)}>
          {t("common.backTo", { name: app.name })}
        </button>
        <Alert>{error ? describeError(t, error) : null}</Alert>
      </div>
    </>
  );
}
