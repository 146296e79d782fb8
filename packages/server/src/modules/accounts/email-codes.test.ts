import { afterEach, describe, expect, it, vi } from "vitest";
import { useServices } from "../../../test/support/services.ts";
import { HttpError } from "../../http/errors.ts";
import { deriveSecretBytes } from "../../secrets.ts";
import { EmailCodeService } from "./email-codes.ts";
import { DevOutbox } from "./mail.ts";
import { SendLimits } from "./send-limits.ts";

const START = Date.parse("2030-01-01T00:00:00Z");
const ctx = useServices(START);
const FLOW = { flowId: "flow-1", clientId: "0x1111111111111111111111111111111111111111" };

const PEPPER = deriveSecretBytes("x".repeat(40), "otp-pepper");

function setup(options: { sendLimits?: boolean } = {}) {
  const outbox = new DevOutbox(undefined, undefined, () => ctx.clock);
  const codes = new EmailCodeService(
    ctx.store.db,
    {
      pepper: PEPPER,
      mailer: outbox,
      platformName: "Keyfob",
      sendLimits: options.sendLimits ? new SendLimits(ctx.store, PEPPER) : undefined,
    },
    () => ctx.clock,
  );
  const start = (email: string, ip = "192.0.2.1", flow = FLOW) =>
    codes.start({ ...flow, email, ip, appName: "Demo App" });
  const codeFor = (email: string) => /\b(\d{6})\b/.exec(outbox.list().find((m) => m.to === email)!.text)![1]!;
  const verify = (email: string, code: string, flow = FLOW) => codes.verify({ ...flow, email, code });
  return { codes, outbox, start, codeFor, verify };
}

async function failure(
  promise: Promise<unknown>,
): Promise<{ status: number; code: unknown; message: string }> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HttpError);
  const e = err as HttpError;
  return { status: e.statusCode, code: e.extra.code, message: e.message };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("email codes (security.md §6)", () => {
  it("a six-digit code goes out by mail — never in the subject — and proves the email once", async () => {
    const { start, verify, codeFor, outbox } = setup();
    expect(await start("Owner@Example.com")).toEqual({ resendAfterSeconds: 60 });
    const [mail] = outbox.list();
    expect(mail).toMatchObject({ to: "owner@example.com", subject: "Your Keyfob sign-in code" });
    expect(mail!.subject).not.toMatch(/\d{6}/);
    expect(mail!.text).toContain("Demo App");
    expect(mail!.html).toContain(codeFor("owner@example.com"));
    const code = codeFor("owner@example.com");
    expect(await verify("owner@example.com", code)).toEqual({ email: "owner@example.com" });
    // Single use.
    expect(await failure(verify("owner@example.com", code))).toMatchObject({
      status: 400,
      code: "invalid_code",
    });
  });

  it("only a hash of the code is stored", async () => {
    const { start, codeFor } = setup();
    await start("owner@example.com");
    const row = await ctx.store.db.selectFrom("otp_codes").selectAll().executeTakeFirstOrThrow();
    expect(row.code_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(codeFor("owner@example.com"));
  });

  it("expires after 10 minutes", async () => {
    const { start, verify, codeFor } = setup();
    await start("owner@example.com");
    ctx.clock += 10 * 60_000;
    expect(await failure(verify("owner@example.com", codeFor("owner@example.com")))).toMatchObject({
      status: 400,
      code: "code_expired",
    });
  });

  it("five wrong attempts use the code up: then even the right code is refused", async () => {
    const { start, verify, codeFor } = setup();
    await start("owner@example.com");
    const code = codeFor("owner@example.com");
    const wrong = code === "000000" ? "111111" : "000000";
    for (let i = 0; i < 5; i++)
      expect(await failure(verify("owner@example.com", wrong))).toMatchObject({
        status: 400,
        code: "invalid_code",
      });
    expect(await failure(verify("owner@example.com", code))).toMatchObject({
      status: 429,
      code: "too_many_attempts",
    });
  });

  it("a malformed code is refused without costing an attempt", async () => {
    const { start, verify, codeFor } = setup();
    await start("owner@example.com");
    for (let i = 0; i < 6; i++)
      expect(await failure(verify("owner@example.com", "12ab"))).toMatchObject({ code: "invalid_code" });
    expect(await verify("owner@example.com", codeFor("owner@example.com"))).toEqual({
      email: "owner@example.com",
    });
  });

  it("a new code invalidates the previous one", async () => {
    const { start, verify, codeFor } = setup();
    await start("owner@example.com");
    const first = codeFor("owner@example.com");
    await start("owner@example.com");
    const second = codeFor("owner@example.com");
    if (first !== second)
      expect(await failure(verify("owner@example.com", first))).toMatchObject({ code: "invalid_code" });
    expect(await verify("owner@example.com", second)).toEqual({ email: "owner@example.com" });
  });

  it("is bound to the flow and the client it was sent for", async () => {
    const { start, verify, codeFor } = setup();
    await start("owner@example.com");
    const code = codeFor("owner@example.com");
    expect(await failure(verify("owner@example.com", code, { ...FLOW, flowId: "flow-2" }))).toMatchObject({
      code: "invalid_code",
    });
    expect(
      await failure(
        verify("owner@example.com", code, {
          ...FLOW,
          clientId: "0x2222222222222222222222222222222222222222",
        }),
      ),
    ).toMatchObject({ code: "invalid_code" });
    expect(await verify("owner@example.com", code)).toEqual({ email: "owner@example.com" });
  });

  it("answers the same for an email with an account and one without", async () => {
    const { start, outbox } = setup();
    await ctx.services.accounts.ensure("known@example.com");
    const known = await start("known@example.com", "192.0.2.1");
    const unknown = await start("unknown@example.com", "192.0.2.2");
    expect(unknown).toEqual(known);
    const [toUnknown, toKnown] = outbox.list();
    expect(toUnknown!.subject).toBe(toKnown!.subject);
    expect(toUnknown!.text.replace(/\d{6}/, "")).toBe(toKnown!.text.replace(/\d{6}/, ""));
    // And no account appears for the unknown email until its code is verified.
    expect(await ctx.services.accounts.findByEmail("unknown@example.com")).toBeUndefined();
  });

  it("refuses an invalid email address", async () => {
    const { start } = setup();
    expect(await failure(start("not-an-email"))).toMatchObject({ status: 400, code: "invalid_email" });
  });

  it("locks the address for a day after 100 consecutive wrong codes, and says so by mail", async () => {
    const { start, verify, codeFor, outbox } = setup();
    for (let round = 0; round < 20; round++) {
      await start("owner@example.com");
      const code = codeFor("owner@example.com");
      const wrong = code === "000000" ? "111111" : "000000";
      for (let i = 0; i < 5; i++) await failure(verify("owner@example.com", wrong));
    }
    await start("owner@example.com");
    expect(outbox.list()[0]!.subject).toBe("Keyfob sign-in paused");
    expect(outbox.list()[0]!.text).not.toMatch(/\b\d{6}\b/);
    expect(await failure(verify("owner@example.com", "123456"))).toMatchObject({
      status: 429,
      code: "too_many_attempts",
    });
    ctx.clock += 24 * 3600_000 + 1;
    await start("owner@example.com");
    expect(await verify("owner@example.com", codeFor("owner@example.com"))).toEqual({
      email: "owner@example.com",
    });
  });

  it("a right code resets the count of consecutive failures", async () => {
    const { start, verify, codeFor } = setup();
    for (let round = 0; round < 19; round++) {
      await start("owner@example.com");
      const code = codeFor("owner@example.com");
      for (let i = 0; i < 5; i++)
        await failure(verify("owner@example.com", code === "000000" ? "111111" : "000000"));
    }
    await start("owner@example.com");
    await verify("owner@example.com", codeFor("owner@example.com"));
    await start("owner@example.com");
    const code = codeFor("owner@example.com");
    for (let i = 0; i < 5; i++)
      await failure(verify("owner@example.com", code === "000000" ? "111111" : "000000"));
    await start("owner@example.com");
    expect(await verify("owner@example.com", codeFor("owner@example.com"))).toEqual({
      email: "owner@example.com",
    });
  });
});

describe("send limits", () => {
  function clockAt(ms: number) {
    ctx.clock = ms;
    vi.setSystemTime(ms);
  }

  it("one send per minute per email, with the wait in the answer", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    clockAt(START);
    const { start } = setup({ sendLimits: true });
    await start("owner@example.com", "192.0.2.1");
    const refused = await failure(start("owner@example.com", "192.0.2.2"));
    expect(refused).toMatchObject({ status: 429, code: "rate_limited" });
    clockAt(START + 61_000);
    await expect(start("owner@example.com", "192.0.2.2")).resolves.toEqual({ resendAfterSeconds: 60 });
  });

  it("one send per minute per IP", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    clockAt(START);
    const { start } = setup({ sendLimits: true });
    await start("a@example.com", "192.0.2.1");
    expect(await failure(start("b@example.com", "192.0.2.1"))).toMatchObject({
      status: 429,
      code: "rate_limited",
    });
    await expect(start("b@example.com", "192.0.2.9")).resolves.toBeDefined();
  });

  it("five sends per hour per email and per IP", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const { start } = setup({ sendLimits: true });
    for (let i = 0; i < 5; i++) {
      clockAt(START + i * 61_000);
      await start("owner@example.com", "192.0.2.1");
    }
    clockAt(START + 5 * 61_000);
    const byEmail = await failure(start("owner@example.com", "192.0.2.7"));
    expect(byEmail).toMatchObject({ status: 429, code: "rate_limited" });
    const byIp = await failure(start("other@example.com", "192.0.2.1"));
    expect(byIp).toMatchObject({ status: 429, code: "rate_limited" });
    clockAt(START + 3600_000 + 1000);
    await expect(start("owner@example.com", "192.0.2.1")).resolves.toBeDefined();
  });

  it("holds across server processes: two services on one database share the allowance", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    clockAt(START);
    const replicaA = setup({ sendLimits: true });
    const replicaB = setup({ sendLimits: true });
    await replicaA.start("owner@example.com", "192.0.2.1");
    expect(await failure(replicaB.start("owner@example.com", "192.0.2.2"))).toMatchObject({
      status: 429,
      code: "rate_limited",
    });
    expect(await failure(replicaB.start("other@example.com", "192.0.2.1"))).toMatchObject({ status: 429 });
    // Neither the address nor the IP is stored in the clear.
    const keys = await ctx.store.db.selectFrom("otp_send_limits").select("key").execute();
    expect(keys.length).toBeGreaterThan(0);
    for (const { key } of keys) expect(key).not.toMatch(/example\.com|192\.0\.2/);
  });

  it("a refused request does not use up an allowance", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    clockAt(START);
    const { start } = setup({ sendLimits: true });
    await start("owner@example.com", "192.0.2.1");
    // Refused by the email's minute limit: the other IP's allowance is untouched.
    await failure(start("owner@example.com", "192.0.2.2"));
    await expect(start("other@example.com", "192.0.2.2")).resolves.toBeDefined();
  });
});
