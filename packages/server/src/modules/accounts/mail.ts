import nodemailer, { type Transporter } from "nodemailer";

/** An email as Keyfob sends it: always both a text and an HTML part. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface OutboxMessage extends MailMessage {
  sentAt: Date;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
  close?(): void;
}

interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** SMTP through nodemailer (`KEYFOB_SMTP_URL`, `smtp://` or `smtps://`). */
export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(
    url: string,
    private readonly from: string,
  ) {
    this.transport = nodemailer.createTransport(url);
  }

  async send(message: MailMessage): Promise<void> {
    await this.transport.sendMail({ from: this.from, ...message });
  }

  close(): void {
    this.transport.close();
  }
}

const OUTBOX_LIMIT = 100;

/**
 * Without SMTP: messages are kept in this process's memory (the newest 100) and a line is logged
 * per message — never its content, which holds a sign-in code. In the embedded dev mode they are
 * listed at `/dev/outbox`; otherwise nobody can read them (the log says so).
 */
export class DevOutbox implements Mailer {
  private messages: OutboxMessage[] = [];

  constructor(
    private log: Log | undefined,
    /** Where the messages can be read, or undefined when nowhere. */
    private readonly listedAt: string | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  async send(message: MailMessage): Promise<void> {
    this.messages.unshift({ ...message, sentAt: new Date(this.now()) });
    if (this.messages.length > OUTBOX_LIMIT) this.messages.length = OUTBOX_LIMIT;
    const fields = { to: maskEmail(message.to), subject: message.subject };
    if (this.listedAt) this.log?.info(fields, `dev outbox: email kept, read it at ${this.listedAt}`);
    else this.log?.warn(fields, "email not delivered: KEYFOB_SMTP_URL is unset");
  }

  setLog(log: Log): void {
    this.log = log;
  }

  /** Newest first. */
  list(): OutboxMessage[] {
    return [...this.messages];
  }

  clear(): void {
    this.messages = [];
  }
}

/** `a***@example.com`: enough to tell messages apart in a log, not the address. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  return at <= 0 ? "***" : `${email[0]}***${email.slice(at)}`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The sign-in code email. No code in the subject: lock screens show subjects to anyone nearby. */
export function signInCodeMessage(args: {
  to: string;
  code: string;
  appName: string;
  platformName: string;
  ttlMinutes: number;
}): MailMessage {
  const { code, appName, platformName, ttlMinutes } = args;
  const text = [
    `Your ${platformName} sign-in code for ${appName}:`,
    "",
    `    ${code}`,
    "",
    `Enter it on the sign-in page within ${ttlMinutes} minutes. It works once.`,
    "",
    "If you did not try to sign in, you can ignore this email: nobody can sign in without the code.",
    "",
    `— ${platformName}`,
    "",
  ].join("\n");
  const html = page(
    platformName,
    `<p>Your ${escapeHtml(platformName)} sign-in code for <strong>${escapeHtml(appName)}</strong>:</p>
<p style="font-size:32px;font-weight:bold;letter-spacing:6px;font-family:ui-monospace,Menlo,Consolas,monospace">${escapeHtml(code)}</p>
<p>Enter it on the sign-in page within ${ttlMinutes} minutes. It works once.</p>
<p style="color:#555">If you did not try to sign in, you can ignore this email: nobody can sign in without the code.</p>`,
  );
  return { to: args.to, subject: `Your ${platformName} sign-in code`, text, html };
}

/** Sent instead of a code while email sign-in is locked for the address (too many wrong codes). */
export function lockedMessage(args: { to: string; platformName: string; until: Date }): MailMessage {
  const until = args.until
    .toISOString()
    .replace(/\.\d{3}Z$/, " UTC")
    .replace("T", " ");
  const sentence = `Too many wrong codes were entered for this email address, so signing in with an emailed code is paused until ${until}.`;
  const hint = "You can still sign in with a passkey. If this was not you, nothing else is needed.";
  return {
    to: args.to,
    subject: `${args.platformName} sign-in paused`,
    text: `${sentence}\n\n${hint}\n\n— ${args.platformName}\n`,
    html: page(args.platformName, `<p>${escapeHtml(sentence)}</p><p>${escapeHtml(hint)}</p>`),
  };
}

function page(platformName: string, body: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(platformName)}</title></head>
<body style="font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#111;line-height:1.5;max-width:480px;margin:24px auto;padding:0 16px">
${body}
<p style="color:#555">— ${escapeHtml(platformName)}</p>
</body></html>
`;
}
