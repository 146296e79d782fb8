import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface CaughtMail {
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  receivedAt: number;
}

export interface MailCatcher {
  /** `smtp://127.0.0.1:<port>` for KEYFOB_SMTP_URL. */
  url: string;
  messages: CaughtMail[];
  /** Waits for the next message to `to` that arrives after `since` (ms epoch). */
  waitForMail(to: string, since: number, timeoutMs?: number): Promise<CaughtMail>;
  /** The 6-digit code in the newest message to `to` after `since`. */
  waitForCode(to: string, since: number, timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

function addresses(mail: ParsedMail): string[] {
  const to = mail.to === undefined ? [] : Array.isArray(mail.to) ? mail.to : [mail.to];
  return to.flatMap((group) => group.value.map((a) => (a.address ?? "").toLowerCase()));
}

/** A real SMTP server on loopback that keeps every message it receives (no TLS, no auth). */
export async function startMailCatcher(): Promise<MailCatcher> {
  const messages: CaughtMail[] = [];
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          messages.push({
            to: addresses(mail),
            from: mail.from?.text ?? "",
            subject: mail.subject ?? "",
            text: mail.text ?? "",
            html: typeof mail.html === "string" ? mail.html : "",
            receivedAt: Date.now(),
          });
          for (const wake of waiters) wake();
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.server.address();
      if (address === null || typeof address === "string") reject(new Error("no SMTP port"));
      else resolve(address.port);
    });
  });

  const waitForMail = (to: string, since: number, timeoutMs = 15_000): Promise<CaughtMail> => {
    const wanted = to.toLowerCase();
    const find = () => [...messages].reverse().find((m) => m.receivedAt >= since && m.to.includes(wanted));
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = find();
        if (found) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no mail to ${to} within ${timeoutMs} ms (${messages.length} caught in all)`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  };

  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    waitForMail,
    async waitForCode(to, since, timeoutMs) {
      const mail = await waitForMail(to, since, timeoutMs);
      const match = /\b(\d{6})\b/.exec(mail.text);
      if (!match?.[1]) throw new Error(`no 6-digit code in the mail to ${to}: ${mail.text}`);
      return match[1];
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
