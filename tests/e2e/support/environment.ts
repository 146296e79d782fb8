import type { Browser } from "playwright-core";
import { freePort, runCli, type ServerProcess, startServer } from "../../support/server-process.ts";
import { launchChromium } from "./browser.ts";
import { type MailCatcher, startMailCatcher } from "./mail-catcher.ts";

/** What `keyfob seed --demo --json` prints (the parts the journeys use). */
export interface DemoData {
  clientId: string;
  redirectUri: string;
  owner: { email: string; walletAddress: string };
  vehicles: Array<{ tokenId: number; make: string }>;
}

export interface JourneyEnvironment {
  mail: MailCatcher;
  server: ServerProcess;
  demo: DemoData;
  browser: Browser;
  close(): Promise<void>;
}

/**
 * A real server process on `http://localhost:<free port>` (a domain, as WebAuthn needs for its
 * relying-party id) sending mail to an SMTP catcher, the demo data seeded, and Chromium. The
 * email-code send limits are off: journeys sign the same owner in several times a minute from one IP
 * (the limits are tested on their own in packages/server).
 */
export async function startJourneyEnvironment(): Promise<JourneyEnvironment> {
  const mail = await startMailCatcher();
  const server = await startServer({
    port: await freePort(),
    env: { KEYFOB_SMTP_URL: mail.url, KEYFOB_RATE_LIMIT_EMAIL_CODES: "off" },
  });
  const seeded = await runCli(["seed", "--demo", "--json", "--history-days", "0"], server.env);
  if (seeded.code !== 0) {
    await server.stop();
    await mail.close();
    throw new Error(`keyfob seed --demo failed: ${seeded.stderr}`);
  }
  const browser = await launchChromium();
  return {
    mail,
    server,
    demo: JSON.parse(seeded.stdout) as DemoData,
    browser,
    async close() {
      await browser.close();
      await server.stop();
      await mail.close();
    },
  };
}
