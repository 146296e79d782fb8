import { type FormEvent, useEffect, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError } from "../api.ts";
import { Alert } from "../components/Alert.tsx";
import { Title } from "../components/Layout.tsx";
import { emptyDigits, OTP_LENGTH, OtpInput } from "../components/OtpInput.tsx";
import { useAction } from "../components/useAction.ts";
import { describeError } from "../format.ts";
import type { ConnectActions } from "../useConnect.ts";

export type OtpActions = Pick<ConnectActions, "verifyCode" | "sendCode" | "useEmailCode">;

/** Seconds until `resendAt`, ticking every second. */
function useCountdown(resendAt: number, now: () => number): number {
  const remaining = (): number => Math.max(0, Math.ceil((resendAt - now()) / 1000));
  const [seconds, setSeconds] = useState(remaining);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `remaining` is derived from these two
  useEffect(() => {
    setSeconds(remaining());
    const timer = setInterval(() => {
      const left = remaining();
      setSeconds(left);
      if (left === 0) clearInterval(timer);
    }, 1000);
    return () => clearInterval(timer);
  }, [resendAt, now]);
  return seconds;
}

export function OtpInputScreen({
  email,
  resendAt,
  now = Date.now,
  actions,
}: {
  email: string;
  resendAt: number;
  now?: () => number;
  actions: OtpActions;
}) {
  const { t } = useTranslation();
  const errorId = useId();
  const [digits, setDigits] = useState(emptyDigits);
  const [incomplete, setIncomplete] = useState(false);
  const [resent, setResent] = useState(false);
  const verify = useAction();
  const resend = useAction();
  const seconds = useCountdown(resendAt, now);

  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    const code = digits.join("");
    if (code.length !== OTP_LENGTH) {
      setIncomplete(true);
      return;
    }
    setIncomplete(false);
    setResent(false);
    void verify.run(async () => {
      try {
        await actions.verifyCode(email, code);
      } catch (error) {
        setDigits(emptyDigits());
        throw error;
      }
    });
  };

  const onResend = (): void => {
    setResent(false);
    verify.setError(null);
    void resend.run(async () => {
      await actions.sendCode(email);
      setDigits(emptyDigits());
      setResent(true);
    });
  };

  let error: string | null = null;
  const failure = verify.error ?? resend.error;
  if (incomplete) error = t("otp.incomplete");
  else if (
    failure instanceof ApiError &&
    ["invalid_code", "code_expired", "too_many_attempts"].includes(failure.code)
  ) {
    error = t(`otp.${failure.code}`);
  } else if (
    failure instanceof ApiError &&
    failure.code === "rate_limited" &&
    failure.retryAfterSeconds !== null
  ) {
    error = t("email.rateLimited", { seconds: failure.retryAfterSeconds });
  } else if (failure) error = describeError(t, failure);

  return (
    <>
      <Title>{t("otp.title")}</Title>
      <p>{t("otp.sentTo", { email })}</p>
      <form className="stack" noValidate onSubmit={onSubmit}>
        <OtpInput
          digits={digits}
          onChange={(next) => {
            setDigits(next);
            if (next.every((digit) => digit !== "")) setIncomplete(false);
          }}
          disabled={verify.busy}
          invalid={error !== null}
          describedBy={error ? errorId : undefined}
        />
        <Alert id={errorId}>{error}</Alert>
        <button type="submit" className="primary" disabled={verify.busy}>
          {t("otp.verify")}
        </button>
      </form>
      <div className="stack secondary-actions">
        <p className="hint">{t("otp.spam")}</p>
        <button type="button" className="secondary" disabled={seconds > 0 || resend.busy} onClick={onResend}>
          {seconds > 0 ? t("otp.resendIn", { seconds }) : t("otp.resend")}
        </button>
        <p className="status" role="status">
          {resent ? t("otp.resent") : ""}
        </p>
        <button type="button" className="link" onClick={actions.useEmailCode}>
          {t("otp.changeEmail")}
        </button>
      </div>
    </>
  );
}
