import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import {
  generateWebhookSecret,
  isWebhookSecret,
  signatureHeaders,
  signWebhook,
  WEBHOOK_SECRET_PREFIX,
} from "./webhook-signature.ts";

const BODY = '{"id":"3c9d","type":"dimo.trigger","data":{"value":101.5}}';

describe("Standard Webhooks signatures", () => {
  it("makes whsec_ secrets of 32 random bytes", () => {
    const a = generateWebhookSecret();
    const b = generateWebhookSecret();
    expect(a.startsWith(WEBHOOK_SECRET_PREFIX)).toBe(true);
    expect(Buffer.from(a.slice(6), "base64")).toHaveLength(32);
    expect(a).not.toBe(b);
    expect(isWebhookSecret(a)).toBe(true);
    expect(isWebhookSecret("whsec_")).toBe(false);
    expect(isWebhookSecret("sk_abc")).toBe(false);
  });

  it("matches the standardwebhooks package's own signature and verifies with it", () => {
    const secret = generateWebhookSecret();
    const ts = Math.floor(Date.now() / 1000);
    const wh = new Webhook(secret);
    expect(signWebhook(secret, "msg_1", ts, BODY)).toBe(wh.sign("msg_1", new Date(ts * 1000), BODY));
    const headers = signatureHeaders([secret], "msg_1", ts, BODY);
    expect(headers["webhook-id"]).toBe("msg_1");
    expect(headers["webhook-timestamp"]).toBe(String(ts));
    expect(wh.verify(BODY, headers)).toEqual(JSON.parse(BODY));
  });

  it("is a known vector: the Standard Webhooks spec's example", () => {
    // From the Standard Webhooks specification.
    expect(
      signWebhook(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1614265330,
        '{"test": 2432232314}',
      ),
    ).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  });

  it("signs with both secrets during a rotation: either secret verifies", () => {
    const current = generateWebhookSecret();
    const previous = generateWebhookSecret();
    const ts = Math.floor(Date.now() / 1000);
    const headers = signatureHeaders([current, previous], "msg_2", ts, BODY);
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(new Webhook(current).verify(BODY, headers)).toBeTruthy();
    expect(new Webhook(previous).verify(BODY, headers)).toBeTruthy();
    expect(() => new Webhook(generateWebhookSecret()).verify(BODY, headers)).toThrow(
      WebhookVerificationError,
    );
  });

  it("fails verification for a changed body or an old timestamp", () => {
    const secret = generateWebhookSecret();
    const now = Math.floor(Date.now() / 1000);
    const wh = new Webhook(secret);
    expect(() => wh.verify(`${BODY} `, signatureHeaders([secret], "m", now, BODY))).toThrow(
      WebhookVerificationError,
    );
    expect(() => wh.verify(BODY, signatureHeaders([secret], "m", now - 600, BODY))).toThrow(/too old/);
  });
});
