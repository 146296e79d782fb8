import { recoverMessageAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it, vi } from "vitest";
import { KeyfobClient } from "./client.ts";
import { GraphQLError, KeyfobApiError } from "./http.ts";

const API_KEY = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const SIGNER = privateKeyToAccount(`0x${API_KEY}`).address;
const CLIENT_ID = "0x2222222222222222222222222222222222222222";
const BASE = "http://keyfob.test";

function jwt(exp: number, extra: Record<string, unknown> = {}): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  return `${part({ alg: "ES256" })}.${part({ exp, ...extra })}.sig`;
}

type Handler = (url: URL, init: RequestInit) => Response | Promise<Response>;

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

function setup(handler: Handler, nowMs = 1_000_000_000_000) {
  let now = nowMs;
  const calls: Array<{ url: URL; init: RequestInit }> = [];
  const sleep = vi.fn(async (_ms: number) => {});
  const client = new KeyfobClient({
    baseUrl: `${BASE}/`,
    clientId: CLIENT_ID,
    apiKey: API_KEY,
    domain: "http://localhost:5173/",
    fetch: (async (input: string | URL, init: RequestInit = {}) => {
      const url = new URL(String(input));
      calls.push({ url, init });
      return handler(url, init);
    }) as typeof fetch,
    sleep,
    now: () => now,
  });
  return { client, calls, sleep, advance: (ms: number) => (now += ms), now: () => now };
}

/** A fake Keyfob: challenge, submit (checks the signature), exchange and GraphQL. */
function keyfob(opts: { devExp: () => number; vehicleExp: () => number }): Handler {
  let issued = 0;
  return async (url, init) => {
    if (url.pathname === "/auth/web3/generate_challenge") {
      expect(url.searchParams.get("client_id")).toBe(CLIENT_ID);
      expect(url.searchParams.get("address")).toBe(CLIENT_ID);
      return json(200, { state: "st1", challenge: "keyfob.test wants you to sign in" });
    }
    if (url.pathname === "/auth/web3/submit_challenge") {
      const form = new URLSearchParams(String(init.body));
      const recovered = await recoverMessageAddress({
        message: "keyfob.test wants you to sign in",
        signature: form.get("signature") as `0x${string}`,
      });
      expect(recovered).toBe(SIGNER);
      expect(form.get("state")).toBe("st1");
      return json(200, {
        access_token: jwt(opts.devExp() / 1000, { n: ++issued }),
        token_type: "bearer",
        expires_in: 86400,
      });
    }
    if (url.pathname === "/v1/tokens/exchange") {
      expect((init.headers as Record<string, string>).authorization).toMatch(/^Bearer /);
      const body = JSON.parse(String(init.body)) as { tokenId: number; privileges: number[] };
      return json(200, {
        token: jwt(opts.vehicleExp() / 1000, {
          tokenId: body.tokenId,
          privileges: body.privileges,
          n: ++issued,
        }),
      });
    }
    if (url.pathname === "/telemetry/query") {
      return json(200, {
        data: {
          signalsLatest: {
            lastSeen: "2026-01-01T00:00:00Z",
            speed: { timestamp: "2026-01-01T00:00:00Z", value: 42 },
          },
        },
      });
    }
    if (url.pathname === "/identity/query") {
      return json(200, { data: { vehicles: { nodes: [{ tokenId: 7 }] } } });
    }
    return json(404, { code: 404, message: "no route" });
  };
}

describe("developer auth and token exchange", () => {
  it("signs the challenge with the API key and caches the developer JWT", async () => {
    const { client, calls, now } = setup(
      keyfob({ devExp: () => now() + 86_400_000, vehicleExp: () => now() + 600_000 }),
    );
    const first = await client.developerJwt();
    const second = await client.developerJwt();
    expect(second).toBe(first);
    expect(calls.filter((c) => c.url.pathname.includes("challenge"))).toHaveLength(2);
  });

  it("caches vehicle JWTs per vehicle and privileges until shortly before they expire", async () => {
    const t = setup(keyfob({ devExp: () => t.now() + 86_400_000, vehicleExp: () => t.now() + 600_000 }));
    const a = await t.client.vehicleJwt(7, [1]);
    expect(await t.client.vehicleJwt(7, ["privilege:GetNonLocationHistory"])).toBe(a);
    const b = await t.client.vehicleJwt(7, [1, 4]);
    expect(b).not.toBe(a);
    const exchanges = () => t.calls.filter((c) => c.url.pathname === "/v1/tokens/exchange").length;
    expect(exchanges()).toBe(2);
    t.advance(530_000); // 70 s before expiry: still cached
    expect(await t.client.vehicleJwt(7, [1])).toBe(a);
    t.advance(20_000); // 50 s before expiry: renewed
    expect(await t.client.vehicleJwt(7, [1])).not.toBe(a);
    expect(exchanges()).toBe(3);
    const body = JSON.parse(String(t.calls.find((c) => c.url.pathname === "/v1/tokens/exchange")?.init.body));
    expect(body).toEqual({
      nftContractAddress: "0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF",
      privileges: [1],
      tokenId: 7,
    });
  });

  it("shares one exchange between concurrent callers", async () => {
    const t = setup(keyfob({ devExp: () => t.now() + 86_400_000, vehicleExp: () => t.now() + 600_000 }));
    const [a, b] = await Promise.all([t.client.vehicleJwt(7), t.client.vehicleJwt(7)]);
    expect(a).toBe(b);
    expect(t.calls.filter((c) => c.url.pathname === "/v1/tokens/exchange")).toHaveLength(1);
  });
});

describe("retries", () => {
  it("retries 429 and 5xx with growing back-off, honouring Retry-After", async () => {
    const answers = [
      json(429, { message: "slow down" }, { "retry-after": "2" }),
      json(503, {}),
      json(502, {}),
    ];
    const t = setup(
      async (url, init) => answers.shift() ?? keyfob({ devExp: () => 0, vehicleExp: () => 0 })(url, init),
    );
    const data = await t.client.identity.query<{ vehicles: unknown }>("{ vehicles { nodes { tokenId } } }");
    expect(data.vehicles).toBeDefined();
    expect(t.calls).toHaveLength(4);
    const waits = t.sleep.mock.calls.map((c) => c[0]);
    expect(waits[0]).toBe(2000);
    expect(waits[2]).toBeGreaterThan(waits[1] as number);
  });

  it("gives up after the retries with a typed error carrying the server's message", async () => {
    const t = setup(async () => json(500, { code: 500, message: "Failed to get permission record" }));
    const error = await t.client.identity.query("{ x }").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyfobApiError);
    expect(error).toMatchObject({ status: 500, message: "Failed to get permission record" });
    expect(t.calls).toHaveLength(4);
  });

  it("does not retry client errors, nor a non-idempotent POST on 5xx", async () => {
    const t = setup(async (url, init) => {
      if (url.pathname === "/v1/webhooks") return json(500, { message: "boom" });
      if (url.pathname === "/v1/tokens/exchange")
        return json(403, { code: 403, message: "not a dev license: 0x…" });
      return keyfob({ devExp: () => t.now() + 86_400_000, vehicleExp: () => 0 })(url, init);
    });
    await expect(t.client.vehicleJwt(9)).rejects.toMatchObject({ status: 403 });
    expect(t.calls.filter((c) => c.url.pathname === "/v1/tokens/exchange")).toHaveLength(1);
    await expect(
      t.client.triggers.create({
        service: "signals",
        metricName: "vss.speed",
        condition: "valueNumber > 100",
        coolDownPeriod: 0,
        targetURL: "https://hooks.example/x",
        verificationToken: "v",
      }),
    ).rejects.toMatchObject({ status: 500 });
    expect(t.calls.filter((c) => c.url.pathname === "/v1/webhooks")).toHaveLength(1);
  });
});

describe("GraphQL and triggers", () => {
  it("fetches latest signals with a vehicle JWT, and reports GraphQL errors", async () => {
    const t = setup(keyfob({ devExp: () => t.now() + 86_400_000, vehicleExp: () => t.now() + 600_000 }));
    const latest = await t.client.telemetry.latestSignals(7, ["speed"]);
    expect(latest.speed).toEqual({ timestamp: "2026-01-01T00:00:00Z", value: 42 });
    const telemetryCall = t.calls.find((c) => c.url.pathname === "/telemetry/query");
    expect((telemetryCall?.init.headers as Record<string, string> | undefined)?.authorization).toMatch(
      /^Bearer ey/,
    );
    await expect(t.client.telemetry.latestSignals(7, ["speed } evil {"])).rejects.toThrow(TypeError);

    const failing = setup(async () => json(200, { data: null, errors: [{ message: "Unauthorized" }] }));
    await expect(failing.client.identity.query("{ x }")).rejects.toBeInstanceOf(GraphQLError);
  });

  it("calls the webhook routes with the developer JWT", async () => {
    const t = setup(async (url, init) => {
      if (url.pathname.startsWith("/v1/webhooks"))
        return json(201, { message: "ok", path: url.pathname, method: init.method });
      return keyfob({ devExp: () => t.now() + 86_400_000, vehicleExp: () => 0 })(url, init);
    });
    await t.client.triggers.subscribe("w1", 7);
    await t.client.triggers.unsubscribeAll("w1");
    await t.client.triggers.forVehicle(7);
    const hooks = t.calls.filter((c) => c.url.pathname.startsWith("/v1/webhooks"));
    expect(hooks.map((c) => `${c.init.method} ${decodeURIComponent(c.url.pathname)}`)).toEqual([
      "POST /v1/webhooks/w1/subscribe/did:erc721:137:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:7",
      "DELETE /v1/webhooks/w1/unsubscribe/all",
      "GET /v1/webhooks/vehicles/did:erc721:137:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:7",
    ]);
    for (const call of hooks)
      expect((call.init.headers as Record<string, string>).authorization).toMatch(/^Bearer /);
  });
});
