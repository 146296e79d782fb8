import { useTranslation } from "react-i18next";
import type { AppInfo, Mode } from "../api.ts";
import { Title } from "../components/Layout.tsx";
import { errorReason } from "../format.ts";

/** Work in progress (start, authorize). */
export function LoadingScreen() {
  const { t } = useTranslation();
  return (
    <>
      <Title>{t("loading.title")}</Title>
      <p className="status" role="status">
        <span className="spinner" aria-hidden="true" />
        {t("loading.text")}
      </p>
    </>
  );
}

/** entryState LOGOUT: the session is being ended and the result delivered. */
export function LogoutScreen() {
  const { t } = useTranslation();
  return (
    <>
      <Title>{t("logout.title")}</Title>
      <p className="status" role="status">
        <span className="spinner" aria-hidden="true" />
        {t("common.working")}
      </p>
    </>
  );
}

/** The result is delivered; shown while navigating away, or when a window cannot close itself. */
export function DoneScreen({ app, mode }: { app: AppInfo | null; mode: Mode }) {
  const { t } = useTranslation();
  const name = app?.name ?? "";
  return (
    <>
      <Title>{t("done.title")}</Title>
      <p role="status">{mode === "redirect" ? t("done.redirect", { name }) : t("done.popup", { name })}</p>
    </>
  );
}

const RETRYABLE = new Set(["network", "timeout", "server", "csrf", "handshakeTimeout", "unknown"]);

/** A request that cannot go on: the reason in plain words; never navigates to the redirect URI. */
export function ErrorScreen({
  code,
  mode,
  onRetry,
  onClose,
}: {
  code: string;
  mode: Mode;
  onRetry: () => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  return (
    <>
      <Title>{t("error.title")}</Title>
      <div role="alert">
        <p>{errorReason(t, code)}</p>
      </div>
      <p className="hint">{t("error.code", { code })}</p>
      <div className="stack">
        {RETRYABLE.has(code) && (
          <button type="button" className="primary" onClick={onRetry}>
            {t("common.tryAgain")}
          </button>
        )}
        {mode === "popup" && (
          <button type="button" className="secondary" onClick={onClose}>
            {t("common.closeWindow")}
          </button>
        )}
      </div>
    </>
  );
}
