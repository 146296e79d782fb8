import { type ClipboardEvent, type KeyboardEvent, useRef } from "react";
import { useTranslation } from "react-i18next";

export const OTP_LENGTH = 6;

export function emptyDigits(): string[] {
  return Array.from({ length: OTP_LENGTH }, () => "");
}

/** Fills `digits` with the digits of `text` from `start` on; returns the new digits and the next box. */
export function fillDigits(
  digits: string[],
  start: number,
  text: string,
): { digits: string[]; next: number } {
  const incoming = text.replace(/\D/g, "").split("");
  // A whole code pasted anywhere fills the boxes from the first.
  const from = incoming.length >= OTP_LENGTH ? 0 : start;
  const next = [...digits];
  let index = from;
  for (const digit of incoming) {
    if (index >= OTP_LENGTH) break;
    next[index] = digit;
    index += 1;
  }
  return { digits: next, next: Math.min(index, OTP_LENGTH - 1) };
}

/** Six one-digit boxes: typing advances, Backspace goes back, a pasted code fills them all. */
export function OtpInput({
  digits,
  onChange,
  disabled = false,
  invalid = false,
  describedBy,
}: {
  digits: string[];
  onChange: (digits: string[]) => void;
  disabled?: boolean;
  invalid?: boolean;
  describedBy?: string;
}) {
  const { t } = useTranslation();
  const boxes = useRef<(HTMLInputElement | null)[]>([]);

  const focusBox = (index: number): void => {
    const box = boxes.current[Math.max(0, Math.min(OTP_LENGTH - 1, index))];
    box?.focus();
    box?.select();
  };

  const handleChange = (index: number, value: string): void => {
    const typed = value.replace(/\D/g, "");
    if (typed.length === 0) {
      const next = [...digits];
      next[index] = "";
      onChange(next);
      return;
    }
    if (typed.length === 2 && digits[index]) {
      // Typed into a box that already had a digit: keep the new one.
      const previous = digits[index];
      const digit = typed[0] === previous ? typed[1]! : typed[0]!;
      const next = [...digits];
      next[index] = digit;
      onChange(next);
      focusBox(index + 1);
      return;
    }
    // One digit typed, or several at once (autofill of the code, a paste without a paste event).
    const filled = fillDigits(digits, index, typed);
    onChange(filled.digits);
    focusBox(typed.length === 1 ? index + 1 : filled.next);
  };

  const handlePaste = (index: number, event: ClipboardEvent<HTMLInputElement>): void => {
    const text = event.clipboardData.getData("text");
    event.preventDefault();
    if (!/\d/.test(text)) return;
    const filled = fillDigits(digits, index, text);
    onChange(filled.digits);
    focusBox(filled.next);
  };

  const handleKeyDown = (index: number, event: KeyboardEvent<HTMLInputElement>): void => {
    if (event.key === "Backspace" && !digits[index] && index > 0) {
      event.preventDefault();
      const next = [...digits];
      next[index - 1] = "";
      onChange(next);
      focusBox(index - 1);
    } else if (event.key === "ArrowLeft" && index > 0) {
      event.preventDefault();
      focusBox(index - 1);
    } else if (event.key === "ArrowRight" && index < OTP_LENGTH - 1) {
      event.preventDefault();
      focusBox(index + 1);
    }
  };

  return (
    <fieldset className="otp" aria-describedby={describedBy}>
      <legend>{t("otp.legend")}</legend>
      <div className="otp-boxes">
        {digits.map((digit, index) => (
          <input
            // The boxes never reorder.
            // biome-ignore lint/suspicious/noArrayIndexKey: fixed positions
            key={index}
            ref={(element) => {
              boxes.current[index] = element;
            }}
            className="otp-box"
            type="text"
            inputMode="numeric"
            autoComplete={index === 0 ? "one-time-code" : "off"}
            aria-label={t("otp.digit", { n: index + 1 })}
            aria-invalid={invalid || undefined}
            aria-describedby={describedBy}
            value={digit}
            disabled={disabled}
            onChange={(event) => handleChange(index, event.target.value)}
            onPaste={(event) => handlePaste(index, event)}
            onKeyDown={(event) => handleKeyDown(index, event)}
            onFocus={(event) => event.target.select()}
          />
        ))}
      </div>
    </fieldset>
  );
}
