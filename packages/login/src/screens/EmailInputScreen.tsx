import { type FormEvent, type ReactNode, useEffect, useId, useRef, useState } from "react";
import { Trans, useTranslation } from "react-i18next";
import { ApiError, type AppInfo, type ConnectRequest, type SessionUser } from "../api.ts";
import { httpsUrl, pageTitle } from "../branding.ts";
import { Alert } from "../components/Alert.tsx";
import { Title } from "../components/Layout.tsx";
import { useAction } from "../components/useAction.ts";
import { describeError } from "../format.ts";
import type { ConnectActions } from "../useConnect.ts";

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export type EmailActions = Pick<
  ConnectActions,
  | "setEmail"
  | "setShareEmail"
  | "sendCode"
  | "passkeyLogin"
  | "startConditionalPasskey"
  | "continueAs"
  | "useAnotherAccount"
>;

function LegalLink({ href, children }: { href: string | null; children?: ReactNode }) {
  if (href === null) return <span>{children}</span>;
  return (
    <a href={href} target="_blank" rel="noopener noreferrer">
      {children}
    </a>
  );
}

export function EmailInputScreen({
  app,
  request,
  user,
  email,
  shareEmail,
  notice,
  passkeysSupported,
  actions,
}: {
  app: AppInfo;
  request: ConnectRequest;
  user: SessionUser | null;
  email: string;
  shareEmail: boolean;
  notice: "sessionExpired" | "consentRequired" | null;
  passkeysSupported: boolean;
  actions: EmailActions;
}) {
  const { t } = useTranslation();
  const ids = useId();
  const emailId = `${ids}-email`;
  const emailHintId = `${ids}-email-hint`;
  const emailErrorId = `${ids}-email-error`;
  const consentId = `${ids}-consent`;
  const consentErrorId = `${ids}-consent-error`;
  const [consentMissing, setConsentMissing] = useState(notice === "consentRequired");
  const [emailError, setEmailError] = useState<string | null>(null);
  const { busy, error, run } = useAction();

  // A returning user is offered their passkey in the email field's autofill (conditional UI),
  // started once per appearance of the form (not again on every render).
  const startConditional = useRef(actions.startConditionalPasskey);
  startConditional.current = actions.startConditionalPasskey;
  useEffect(() => {
    if (user !== null || !passkeysSupported) return;
    return startConditional.current();
  }, [user, passkeysSupported]);

  const consentOk = (): boolean => {
    if (request.forceEmail && !shareEmail) {
      setConsentMissing(true);
      document.getElementById(consentId)?.focus();
      return false;
    }
    return true;
  };

  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    setEmailError(null);
    if (!consentOk()) return;
    const trimmed = email.trim();
    if (!EMAIL.test(trimmed)) {
      setEmailError(t("email.invalid"));
      document.getElementById(emailId)?.focus();
      return;
    }
    void run(() => actions.sendCode(trimmed));
  };

  const onPasskey = (): void => {
    if (!consentOk()) return;
    void run(() => actions.passkeyLogin());
  };

  const onContinueAs = (): void => {
    if (!consentOk()) return;
    actions.continueAs();
  };

  let actionError: string | null = null;
  if (error instanceof ApiError && error.code === "rate_limited") {
    actionError =
      error.retryAfterSeconds !== null
        ? t("email.rateLimited", { seconds: error.retryAfterSeconds })
        : t("email.rateLimitedLater");
  } else if (error instanceof ApiError && error.code === "invalid_email") {
    actionError = t("email.invalid");
  } else if (error) {
    actionError = describeError(t, error);
  }

  const privacy = httpsUrl(request.privacyPolicyUrl);
  const terms = httpsUrl(request.tosUrl);
  const brand = app.brand?.name ?? null;

  const consent = (
    <div className="check">
      <input
        type="checkbox"
        id={consentId}
        checked={shareEmail}
        aria-required={request.forceEmail || undefined}
        aria-invalid={consentMissing && !shareEmail ? true : undefined}
        aria-describedby={consentMissing && !shareEmail ? consentErrorId : undefined}
        onChange={(event) => {
          actions.setShareEmail(event.target.checked);
          if (event.target.checked) setConsentMissing(false);
        }}
      />
      <label htmlFor={consentId}>{t("email.shareEmail", { name: app.name })}</label>
    </div>
  );

  return (
    <>
      <Title>{pageTitle(t, app, request)}</Title>
      {notice === "sessionExpired" && <p className="notice">{t("email.sessionExpired")}</p>}

      {user !== null ? (
        <div className="stack">
          <p>{t("email.signedInAs", { email: user.email })}</p>
          {consent}
          <Alert id={consentErrorId}>
            {consentMissing && !shareEmail && t("email.shareEmailRequired", { name: app.name })}
          </Alert>
          <button type="button" className="primary" onClick={onContinueAs}>
            {t("email.continueAs", { email: user.email })}
          </button>
          <button
            type="button"
            className="secondary"
            disabled={busy}
            onClick={() => void run(actions.useAnotherAccount)}
          >
            {t("email.useAnotherAccount")}
          </button>
          <Alert>{actionError}</Alert>
        </div>
      ) : (
        <form className="stack" noValidate onSubmit={onSubmit}>
          <div className="field">
            <label htmlFor={emailId}>{t("email.label")}</label>
            <input
              id={emailId}
              name="email"
              type="email"
              inputMode="email"
              autoComplete="username webauthn"
              autoCapitalize="none"
              spellCheck={false}
              required
              value={email}
              aria-invalid={emailError ? true : undefined}
              aria-describedby={emailError ? `${emailErrorId} ${emailHintId}` : emailHintId}
              onChange={(event) => actions.setEmail(event.target.value)}
            />
            <p className="hint" id={emailHintId}>
              {t("email.hint")}
            </p>
            <Alert id={emailErrorId}>{emailError}</Alert>
          </div>
          {consent}
          <Alert id={consentErrorId}>
            {consentMissing && !shareEmail && t("email.shareEmailRequired", { name: app.name })}
          </Alert>
          <button type="submit" className="primary" disabled={busy}>
            {t("email.continue")}
          </button>
          {passkeysSupported && (
            <>
              <p className="divider">
                <span>{t("common.or")}</span>
              </p>
              <button type="button" className="secondary" disabled={busy} onClick={onPasskey}>
                {t("email.passkey")}
              </button>
            </>
          )}
          <Alert>{actionError}</Alert>
        </form>
      )}

      {(privacy || terms) && (
        <p className="legal">
          <Trans
            i18nKey={brand ? "email.legalBrand" : "email.legalOurs"}
            values={{ brand }}
            components={{ privacy: <LegalLink href={privacy} />, terms: <LegalLink href={terms} /> }}
          />
        </p>
      )}
    </>
  );
}
