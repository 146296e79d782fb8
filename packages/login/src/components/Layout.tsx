import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { AppInfo } from "../api.ts";
import { httpsUrl } from "../branding.ts";

/** The page frame: the requesting app in a banner, the screen in <main>, a Back control. */
export function Layout({
  app,
  canGoBack,
  onBack,
  children,
}: {
  app: AppInfo | null;
  canGoBack: boolean;
  onBack: () => void;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  const logo = httpsUrl(app?.brand?.logoUrl);
  return (
    <div className="page">
      {app && (
        <header className="app-banner">
          {logo ? (
            <img className="app-logo" src={logo} alt={t("header.logoAlt", { name: app.name })} />
          ) : (
            <p className="app-name">{app.name}</p>
          )}
          <p className="app-host">{t("header.requestedBy", { hostname: app.hostname })}</p>
        </header>
      )}
      <main className="card" aria-labelledby="screen-title">
        {canGoBack && (
          <button type="button" className="back" onClick={onBack}>
            <span aria-hidden="true">←</span> {t("common.back")}
          </button>
        )}
        {children}
      </main>
    </div>
  );
}

/** The screen's heading; it takes focus when the screen appears. */
export function Title({ children }: { children: ReactNode }) {
  return (
    <h1 id="screen-title" tabIndex={-1}>
      {children}
    </h1>
  );
}
