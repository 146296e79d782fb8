import { useTranslation } from "react-i18next";
import type { AppInfo } from "../api.ts";
import { Alert } from "../components/Alert.tsx";
import { Title } from "../components/Layout.tsx";
import { useAction } from "../components/useAction.ts";
import type { SharedKind } from "../flow.ts";
import { describeError, formatDate } from "../format.ts";

/** After share / revoke / extend (the result is already delivered in popup and embed mode). */
export function VehiclesSharedSuccessScreen({
  app,
  kind,
  tokenIds,
  expiresAt,
  onBackToApp,
}: {
  app: AppInfo;
  kind: SharedKind;
  tokenIds: string[];
  expiresAt: string | null;
  onBackToApp: () => Promise<void>;
}) {
  const { t, i18n } = useTranslation();
  const { busy, error, run } = useAction();
  return (
    <>
      <Title>{t("sharedSuccess.title")}</Title>
      <p>{t(`sharedSuccess.${kind}`, { count: tokenIds.length, name: app.name })}</p>
      {kind === "extended" && expiresAt && (
        <p>{t("sharedSuccess.until", { date: formatDate(i18n.language, expiresAt) })}</p>
      )}
      <div className="stack">
        <button type="button" className="primary" disabled={busy} onClick={() => void run(onBackToApp)}>
          {t("common.backTo", { name: app.name })}
        </button>
        <Alert>{error ? describeError(t, error) : null}</Alert>
      </div>
    </>
  );
}
