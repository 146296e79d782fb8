import { type ReactNode, useEffect, useId, useRef, useState } from "react";
import { ApiError } from "./api.ts";

/** The message of an error for the person at the screen. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return "Something went wrong. Try again.";
}

/** Puts a message in the page's notice (a live region): a success, or an error. */
export type Say = (message: string, kind?: "ok" | "error") => void;

/**
 * Runs one action of a page: on success says `done` (when given) and answers the result; on failure
 * says the server's message as an error and answers undefined.
 */
export async function attempt<T>(say: Say, action: () => Promise<T>, done?: string): Promise<T | undefined> {
  try {
    const result = await action();
    if (done) say(done);
    return result;
  } catch (err) {
    say(errorText(err), "error");
    return undefined;
  }
}

/** A destructive action's button; `label` names the thing it acts on for screen readers. */
export function DangerButton({
  children,
  label,
  onClick,
}: {
  children: ReactNode;
  label?: string;
  onClick: () => void;
}) {
  return (
    <button type="button" className="danger" onClick={onClick} aria-label={label}>
      {children}
    </button>
  );
}

/** A page's single h1, focused when the page opens so keyboard and screen-reader users start there. */
export function PageTitle({ children }: { children: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}

/** A labelled text field with its hint and its problem announced to assistive technology. */
export function TextField(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  hint?: string;
  problem?: string | undefined;
  type?: string;
  required?: boolean;
  placeholder?: string;
  autoComplete?: string;
  multiline?: boolean;
  inputMode?: "text" | "numeric" | "email" | "url";
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const problemId = `${id}-problem`;
  const describedBy =
    [props.hint ? hintId : "", props.problem ? problemId : ""].filter(Boolean).join(" ") || undefined;
  const common = {
    id,
    value: props.value,
    "aria-describedby": describedBy,
    "aria-invalid": props.problem ? true : undefined,
    required: props.required,
    placeholder: props.placeholder,
  };
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      {props.hint && (
        <p id={hintId} className="hint">
          {props.hint}
        </p>
      )}
      {props.multiline ? (
        <textarea {...common} rows={3} onChange={(e) => props.onChange(e.target.value)} />
      ) : (
        <input
          {...common}
          type={props.type ?? "text"}
          autoComplete={props.autoComplete ?? "off"}
          inputMode={props.inputMode}
          onChange={(e) => props.onChange(e.target.value)}
        />
      )}
      {props.problem && (
        <p id={problemId} className="problem">
          {props.problem}
        </p>
      )}
    </div>
  );
}

export function Checkbox(props: {
  label: string;
  checked: boolean;
  onChange: (v: boolean) => void;
  hint?: string;
}) {
  const id = useId();
  return (
    <div className="check">
      <input
        id={id}
        type="checkbox"
        checked={props.checked}
        aria-describedby={props.hint ? `${id}-hint` : undefined}
        onChange={(e) => props.onChange(e.target.checked)}
      />
      <label htmlFor={id}>{props.label}</label>
      {props.hint && (
        <p id={`${id}-hint`} className="hint">
          {props.hint}
        </p>
      )}
    </div>
  );
}

/** Copies `text`; says so in a live region (or how to copy by hand when the browser refuses). */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [said, setSaid] = useState("");
  return (
    <span className="copy">
      <button
        type="button"
        className="secondary"
        onClick={async () => {
          try {
            await navigator.clipboard.writeText(text);
            setSaid("Copied.");
          } catch {
            setSaid("Copying was blocked by the browser: select the text and copy it.");
          }
        }}
      >
        {label}
      </button>
      <span role="status" className="said">
        {said}
      </span>
    </span>
  );
}

/** A code block with its copy button. */
export function Snippet({ title, code }: { title: string; code: string }) {
  const id = useId();
  return (
    <section className="snippet" aria-labelledby={id}>
      <div className="snippet-head">
        <h3 id={id}>{title}</h3>
        <CopyButton text={code} label={`Copy ${title}`} />
      </div>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling code block must be reachable by keyboard to scroll it. */}
      <pre tabIndex={0}>
        <code>{code}</code>
      </pre>
    </section>
  );
}

/** A status line for results of actions (polite) or an alert for failures. */
export function Notice({ message, kind }: { message: string; kind: "ok" | "error" }) {
  if (!message) return null;
  return kind === "error" ? (
    <p role="alert" className="notice error">
      {message}
    </p>
  ) : (
    <p role="status" className="notice ok">
      {message}
    </p>
  );
}

export function formatDate(iso: string | null): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (d.getUTCFullYear() > 2100) return `${d.toISOString().slice(0, 10)} (no practical limit)`;
  return `${d.toISOString().replace("T", " ").slice(0, 16)} UTC`;
}

export function link(path: string): string {
  return `#${path}`;
}
