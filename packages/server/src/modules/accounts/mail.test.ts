import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DevOutbox, maskEmail, SmtpMailer, signInCodeMessage } from "./mail.ts";

describe("sign-in mail", () => {
  const received: Array<{ from: string; to: string; subject: string; text: string; html: string }> = [];
  let server: SMTPServer;
  let port = 0;

  beforeAll(async () => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS", "AUTH"],
      logger: false,
      onData(stream, _session, callback) {
        simpleParser(stream)
          .then((mail) => {
            received.push({
              from: mail.from?.text ?? "",
              to: Array.isArray(mail.to) ? "" : (mail.to?.text ?? ""),
              subject: mail.subject ?? "",
              text: mail.text ?? "",
              html: typeof mail.html === "string" ? mail.html : "",
            });
            callback();
          })
          .catch((err: Error) => callback(err));
      },
    });
    port = await new Promise<number>((resolve) => {
      server.listen(0, "127.0.0.1", () => resolve((server.server.address() as { port: number }).port));
    });
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("goes over SMTP with a text and an HTML part; the code is in the body, not the subject", async () => {
    const mailer = new SmtpMailer(`smtp://127.0.0.1:${port}`, '"Keyfob" <no-reply@localhost>');
    await mailer.send(
      signInCodeMessage({
        to: "owner@example.com",
        code: "042917",
        appName: "Demo <App>",
        platformName: "Keyfob",
        ttlMinutes: 10,
      }),
    );
    mailer.close();
    expect(received).toHaveLength(1);
    const [mail] = received;
    expect(mail).toMatchObject({
      from: '"Keyfob" <no-reply@localhost>',
      to: "owner@example.com",
      subject: "Your Keyfob sign-in code",
    });
    expect(mail!.text).toContain("042917");
    expect(mail!.text.match(/\b\d{6}\b/g)).toEqual(["042917"]);
    expect(mail!.html).toContain("042917");
    // The app's name is text, never markup.
    expect(mail!.html).toContain("Demo &#60;App&#62;");
    expect(mail!.html).not.toContain("<App>");
  });

  it("the dev outbox keeps the newest 100 messages, newest first, and logs no content", async () => {
    const lines: Array<{ fields: object; msg: string }> = [];
    const log = { info: (fields: object, msg: string) => lines.push({ fields, msg }), warn: () => {} };
    const outbox = new DevOutbox(log, "http://localhost:3000/dev/outbox");
    for (let i = 0; i < 101; i++)
      await outbox.send({
        to: `u${i}@example.com`,
        subject: `s${i}`,
        text: `code ${String(i).padStart(6, "0")}`,
        html: "",
      });
    expect(outbox.list()).toHaveLength(100);
    expect(outbox.list()[0]!.subject).toBe("s100");
    expect(JSON.stringify(lines)).not.toMatch(/\d{6}/);
    expect(lines[0]).toEqual({
      fields: { to: "u***@example.com", subject: "s0" },
      msg: "dev outbox: email kept, read it at http://localhost:3000/dev/outbox",
    });
    expect(maskEmail("a@b.c")).toBe("a***@b.c");
  });
});
