import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { createTestStore, type TestStore, testEngine } from "../../test/support/store.ts";
import { buildApp } from "../app.ts";
import { loadConfig } from "../config.ts";
import type { License } from "../modules/licenses/service.ts";
import { createServices, type Services } from "../services.ts";

const DOMAIN = "https://app.example.com/callback";
const FORM = { "content-type": "application/x-www-form-urlencoded" };
const TOO_MANY = /^Too many requests: retry in (\d+) s\.$/;

interface Harness {
  app: FastifyInstance;
  services: Services;
  test: TestStore;
  license: License;
}

describe(`rate limits (${testEngine()})`, () => {
  const open: Harness[] = [];
  afterEach(async () => {
    for (const h of open.splice(0)) {
      await h.app.close();
      await h.services.close();
      await h.test.cleanup();
    }
  });

  async function start(settings: Record<string, string> = {}): Promise<Harness> {
    const test = await createTestStore();
    const services = await createServices(
      loadConfig({ KEYFOB_SECRET: "x".repeat(40), KEYFOB_LOG_LEVEL: "silent", ...settings }),
      { store: test.store },
    );
    const app = await buildApp(services);
    await app.ready();
    const license = await services.licenses.create({ owner: "0x000000000000000000000000000000000000dEaD" });
    await services.licenses.addRedirectUri(license.clientId, DOMAIN);
    const harness = { app, services, test, license };
    open.push(harness);
    return harness;
  }

  /** As the data SDK calls it: parameters in the query, a form content type, an empty body. */
  const generate = (h: Harness, remoteAddress = "127.0.0.1", clientId: string = h.license.clientId) =>
    h.app.inject({
      method: "POST",
      url: "/auth/web3/generate_challenge",
      query: {
        client_id: clientId,
        domain: DOMAIN,
        scope: "openid email",
        response_type: "code",
        address: clientId,
      },
      headers: FORM,
      payload: "",
      remoteAddress,
    });

  const exchange = (h: Harness, token: string | undefined, remoteAddress = "127.0.0.1") =>
    h.app.inject({
      method: "POST",
      url: "/v1/tokens/exchange",
      headers: token ? { authorization: `Bearer ${token}` } : {},
      payload: { nftContractAddress: "0x0", tokenId: 1, privileges: [1] },
      remoteAddress,
    });

  function expectTooMany(res: LightMyRequestResponse, shape: "dex" | "rest") {
    expect(res.statusCode).toBe(429);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    const body = res.json();
    const seconds = Number(TOO_MANY.exec(body.message)?.[1]);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(60);
    expect(res.headers["retry-after"]).toBe(String(seconds));
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(body).toEqual(
      shape === "dex"
        ? { status: 429, code: 429, message: body.message }
        : { code: 429, message: body.message },
    );
  }

  it("the 61st generate_challenge from one IP in a minute is a 429 in dex's shape, with Retry-After", async () => {
    const h = await start();
    for (let i = 1; i <= 60; i++) {
      const res = await generate(h);
      expect(res.statusCode, `request ${i}`).toBe(200);
    }
    expectTooMany(await generate(h), "dex");
    // Another IP is not affected; submit_challenge counts on its own.
    expect((await generate(h, "10.0.0.2")).statusCode).toBe(200);
    const submit = await h.app.inject({
      method: "POST",
      url: "/auth/web3/submit_challenge",
      headers: FORM,
      payload: "",
    });
    expect(submit.statusCode).toBe(400);
  });

  it("per client_id, whatever the IP, from the query or the form body", async () => {
    const h = await start({ KEYFOB_RATE_LIMIT_AUTH_PER_CLIENT: "3" });
    for (let i = 1; i <= 3; i++) expect((await generate(h, `10.0.1.${i}`)).statusCode).toBe(200);
    expectTooMany(await generate(h, "10.0.1.4"), "dex");
    // The address in another case is the same client.
    expectTooMany(await generate(h, "10.0.1.5", h.license.clientId.toLowerCase()), "dex");
    // Another client from the same IPs is not affected.
    const other = await h.services.licenses.create({ owner: "0x000000000000000000000000000000000000dEaD" });
    await h.services.licenses.addRedirectUri(other.clientId, DOMAIN);
    expect((await generate(h, "10.0.1.1", other.clientId)).statusCode).toBe(200);

    // submit_challenge reads client_id from the form body.
    const submit = (remoteAddress: string) =>
      h.app.inject({
        method: "POST",
        url: "/auth/web3/submit_challenge",
        headers: FORM,
        payload: new URLSearchParams({
          client_id: h.license.clientId,
          domain: DOMAIN,
          state: "x",
        }).toString(),
        remoteAddress,
      });
    for (let i = 1; i <= 3; i++) expect((await submit(`10.0.2.${i}`)).statusCode).not.toBe(429);
    expectTooMany(await submit("10.0.2.4"), "dex");
  });

  it("token exchange per license of a verified developer JWT, else per IP", async () => {
    const h = await start({ KEYFOB_RATE_LIMIT_EXCHANGE_PER_LICENSE: "3" });
    const jwtOf = async (license: License) =>
      (await h.services.developerAuth.issueDeveloperJwt(license.clientId, license.clientId)).token;
    const mine = await jwtOf(h.license);
    const other = await jwtOf(
      await h.services.licenses.create({ owner: "0x000000000000000000000000000000000000dEaD" }),
    );

    // Forged tokens naming this license count against their sender's IP, never against the license.
    const [header, payload] = mine.split(".");
    const forged = `${header}.${payload}.${"A".repeat(86)}`;
    for (let i = 1; i <= 5; i++) expect((await exchange(h, forged, `10.0.5.${i}`)).statusCode).toBe(401);

    for (let i = 1; i <= 3; i++) expect((await exchange(h, mine, `10.0.3.${i}`)).statusCode).not.toBe(429);
    const limited = await exchange(h, mine, "10.0.3.4");
    expectTooMany(limited, "rest");
    expect(limited.headers["access-control-allow-origin"]).toBe("*"); // a browser can read it
    expect((await exchange(h, other)).statusCode).not.toBe(429);

    for (let i = 1; i <= 3; i++) expect((await exchange(h, undefined, "10.0.4.1")).statusCode).toBe(401);
    expectTooMany(await exchange(h, "not-a-jwt", "10.0.4.1"), "rest");
    expect((await exchange(h, undefined, "10.0.4.2")).statusCode).toBe(401);
  });

  it("0 turns each limit off", async () => {
    const h = await start({
      KEYFOB_RATE_LIMIT_AUTH_PER_IP: "0",
      KEYFOB_RATE_LIMIT_AUTH_PER_CLIENT: "0",
      KEYFOB_RATE_LIMIT_EXCHANGE_PER_LICENSE: "0",
    });
    for (let i = 1; i <= 70; i++) expect((await generate(h)).statusCode, `request ${i}`).toBe(200);
    const token = (await h.services.developerAuth.issueDeveloperJwt(h.license.clientId, h.license.clientId))
      .token;
    for (let i = 1; i <= 10; i++) expect((await exchange(h, token)).statusCode).not.toBe(429);
  });
});

describe("rate limit settings", () => {
  it("default to 60 and 300 per minute for challenges, 6000 for token exchange", () => {
    expect(loadConfig({}).rateLimits).toEqual({
      authPerIp: 60,
      authPerClient: 300,
      exchangePerLicense: 6000,
    });
  });

  it("are non-negative integers, named when invalid", () => {
    expect(loadConfig({ KEYFOB_RATE_LIMIT_AUTH_PER_IP: "0" }).rateLimits.authPerIp).toBe(0);
    for (const value of ["-1", "1.5", "many"]) {
      for (const name of [
        "KEYFOB_RATE_LIMIT_AUTH_PER_IP",
        "KEYFOB_RATE_LIMIT_AUTH_PER_CLIENT",
        "KEYFOB_RATE_LIMIT_EXCHANGE_PER_LICENSE",
      ]) {
        expect(() => loadConfig({ [name]: value }), `${name}=${value}`).toThrow(name);
      }
    }
  });
});
