import { Webhook } from "standardwebhooks";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  api,
  createFleet,
  type Fleet,
  grantPrivileges,
  type Receiver,
  startReceiver,
  useTriggerServices,
} from "../../../test/support/triggers.ts";

const START = Date.parse("2025-06-01T12:00:00.000Z");
const ctx = useTriggerServices(START);
let fleet: Fleet;
let receiver: Receiver;

beforeEach(async () => {
  fleet = await createFleet(ctx.services);
  receiver = await startReceiver("verify-me");
});

afterEach(async () => {
  await receiver.close();
});

const did = (tokenId: number) => ctx.services.vehicles.did(tokenId);

/**
 * Whether one of the request's signatures is `secret`'s, computed by the standardwebhooks package
 * (its verify() also checks the timestamp against the real clock, and these tests run at 2025-06-01).
 */
function signedBy(secret: string, request: { body: string; headers: Record<string, unknown> }): boolean {
  const id = String(request.headers["webhook-id"]);
  const ts = Number(request.headers["webhook-timestamp"]);
  const expected = new Webhook(secret).sign(id, new Date(ts * 1000), request.body);
  return String(request.headers["webhook-signature"]).split(" ").includes(expected);
}

function registration(overrides: Record<string, unknown> = {}) {
  return {
    service: "signals",
    metricName: "vss.speed",
    condition: "valueNumber > 100",
    coolDownPeriod: 30,
    description: "Speeding",
    targetURL: `${receiver.origin}/hook`,
    status: "enabled",
    verificationToken: "verify-me",
    ...overrides,
  };
}

async function register(overrides: Record<string, unknown> = {}): Promise<string> {
  const res = await api(ctx, fleet, "POST", "/v1/webhooks", registration(overrides));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

describe("authentication (§1)", () => {
  it("answers 401 JSON without a bearer token or with a bad one", async () => {
    const none = await ctx.app.inject({ method: "GET", url: "/v1/webhooks" });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toEqual({ code: 401, message: "Missing or malformed JWT" });
    const bad = await api(ctx, { jwt: "a.b.c" }, "GET", "/v1/webhooks");
    expect(bad).toMatchObject({ status: 401, body: { code: 401, message: "Invalid or expired JWT" } });
  });

  it("answers 403 for a valid JWT that does not stand for a developer license", async () => {
    const stranger = "0x1234567890123456789012345678901234567890";
    const { token } = await ctx.services.developerAuth.issueDeveloperJwt(stranger, stranger);
    const res = await api(ctx, { jwt: token }, "GET", "/v1/webhooks");
    expect(res).toMatchObject({
      status: 403,
      body: { code: 403, message: "JWT is not from a developer license" },
    });
  });

  it("hides another license's webhooks (404) and checks the id format (400)", async () => {
    const id = await register();
    const other = await createFleet(ctx.services, "other-app");
    expect(await api(ctx, other, "GET", `/v1/webhooks/${id}`)).toMatchObject({
      status: 404,
      body: { code: 404, message: "Webhook not found" },
    });
    expect(await api(ctx, other, "GET", "/v1/webhooks")).toMatchObject({ status: 200, body: [] });
    expect(await api(ctx, fleet, "DELETE", "/v1/webhooks/not-a-uuid")).toMatchObject({
      status: 400,
      body: { code: 400, message: "Invalid webhook id" },
    });
  });
});

describe("register (§3, §6, §9.1)", () => {
  it("verifies the target, returns the id and a secret once, and lists the webhook", async () => {
    const res = await api(ctx, fleet, "POST", "/v1/webhooks", registration({ displayName: "Too fast" }));
    expect(res.status).toBe(201);
    expect(res.headers["cache-control"]).toBe("no-store");
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      message: "Webhook registered successfully",
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
    });
    const [handshake] = receiver.requests;
    expect(handshake).toMatchObject({ method: "POST", url: "/hook", body: '{"verification":"test"}' });
    expect(handshake!.headers["content-type"]).toBe("application/json");
    expect(handshake!.headers["user-agent"]).toBe("DIMO-Webhook/1.0");
    // The handshake is signed with the new secret.
    expect(handshake!.headers["webhook-timestamp"]).toBe(String(START / 1000));
    expect(signedBy(res.body.secret, handshake!)).toBe(true);

    const list = await api(ctx, fleet, "GET", "/v1/webhooks");
    expect(list.body).toEqual([
      {
        id: res.body.id,
        service: "signals",
        metricName: "vss.speed",
        condition: "valueNumber > 100",
        targetURL: `${receiver.origin}/hook`,
        coolDownPeriod: 30,
        status: "enabled",
        description: "Speeding",
        createdAt: "2025-06-01T12:00:00.000Z",
        updatedAt: "2025-06-01T12:00:00.000Z",
        failureCount: 0,
        displayName: "Too fast",
      },
    ]);
    expect(JSON.stringify(list.body)).not.toContain("whsec_");
  });

  it("defaults coolDownPeriod to 0, status to enabled and displayName to the id (the SDK cannot send 0)", async () => {
    const { coolDownPeriod: _c, status: _s, ...rest } = registration();
    const res = await api(ctx, fleet, "POST", "/v1/webhooks", rest);
    expect(res.status).toBe(201);
    const [view] = (await api(ctx, fleet, "GET", "/v1/webhooks")).body;
    expect(view).toMatchObject({ coolDownPeriod: 0, status: "enabled", displayName: res.body.id });
  });

  it.each([
    [{ targetURL: "not a url" }, "Invalid webhook URL"],
    [{ targetURL: "/relative/path" }, "Invalid webhook URL"],
    [{ targetURL: "ftp://example.com/hook" }, "Webhook URL must be HTTPS"],
    [{ targetURL: "http://example.com/hook" }, "Webhook URL must be HTTPS"],
    [{ targetURL: "http://10.0.0.1/hook" }, "Webhook URL must be HTTPS"],
    [{ service: "telemetry" }, "Invalid service: telemetry"],
    [{ service: undefined }, "Invalid service: "],
    [{ metricName: "vss.warpFactor" }, "Unknown metric: vss.warpFactor"],
    [{ metricName: "speed" }, "Unknown metric: speed"],
    [{ service: "events", metricName: "vss.speed" }, "Unknown metric: vss.speed"],
    [{ condition: "valueNumber >" }, "invalid CEL condition: Unexpected token: EOF (at column 14)"],
    [{ condition: "speed > 100" }, "invalid CEL condition: Unknown variable: speed (at column 1)"],
    [{ condition: "valueNumber" }, "invalid CEL condition: the condition must yield a bool, not double"],
    [{ coolDownPeriod: -1 }, "Cool down period must be greater than or equal to 0"],
    [{ status: "failed" }, "Invalid status, must be 'enabled' or 'disabled', got 'failed'"],
    [{ coolDownPeriod: "10" }, "Invalid request payload"],
    [{ coolDownPeriod: 1.5 }, "Invalid request payload"],
    [{ verificationToken: "" }, "Verification token is required"],
  ])("refuses %j: %s", async (overrides, message) => {
    const res = await api(ctx, fleet, "POST", "/v1/webhooks", registration(overrides));
    expect(res).toMatchObject({ status: 400, body: { code: 400, message } });
    expect(receiver.requests).toHaveLength(0);
  });

  it("refuses a body that is not JSON", async () => {
    const res = await api(ctx, fleet, "POST", "/v1/webhooks", "{not json");
    expect(res).toMatchObject({ status: 400, body: { code: 400, message: "Invalid request payload" } });
    const text = await ctx.app.inject({
      method: "POST",
      url: "/v1/webhooks",
      headers: { authorization: `Bearer ${fleet.jwt}`, "content-type": "text/plain" },
      payload: "hello",
    });
    expect(text.json()).toEqual({ code: 400, message: "Invalid request payload" });
  });

  it("refuses a duplicate display name, case-insensitively, among live webhooks", async () => {
    const id = await register({ displayName: "Speeding" });
    expect(
      await api(ctx, fleet, "POST", "/v1/webhooks", registration({ displayName: "speeding" })),
    ).toMatchObject({
      status: 400,
      body: { message: "Display name must be unique" },
    });
    // Another license may use it; a deleted webhook frees it.
    const other = await createFleet(ctx.services, "other-app");
    expect(
      (await api(ctx, other, "POST", "/v1/webhooks", registration({ displayName: "Speeding" }))).status,
    ).toBe(201);
    await api(ctx, fleet, "DELETE", `/v1/webhooks/${id}`);
    expect(
      (await api(ctx, fleet, "POST", "/v1/webhooks", registration({ displayName: "Speeding" }))).status,
    ).toBe(201);
  });

  it("reports the handshake's failures with the spec's messages", async () => {
    receiver.respond((_req, res) => res.writeHead(200).end("  something else\n"));
    expect((await api(ctx, fleet, "POST", "/v1/webhooks", registration())).body.message).toBe(
      "verification token mismatch. Expected 'verify-me', got 'something else'",
    );
    receiver.respond((_req, res) => res.writeHead(201).end("verify-me"));
    expect((await api(ctx, fleet, "POST", "/v1/webhooks", registration())).body.message).toBe(
      "Target URL did not return status 200 (got 201)",
    );
    // Trailing whitespace around the token is fine.
    receiver.respond((_req, res) => res.writeHead(200).end("verify-me\n"));
    expect((await api(ctx, fleet, "POST", "/v1/webhooks", registration())).status).toBe(201);
    const closed = await startReceiver();
    const url = `${closed.origin}/hook`;
    await closed.close();
    expect(await api(ctx, fleet, "POST", "/v1/webhooks", registration({ targetURL: url }))).toMatchObject({
      status: 400,
      body: { message: "Failed to call target URL" },
    });
  });

  it("follows no redirect during the handshake", async () => {
    const elsewhere = await startReceiver("verify-me");
    receiver.respond((_req, res) => res.writeHead(302, { location: `${elsewhere.origin}/hook` }).end());
    expect(await api(ctx, fleet, "POST", "/v1/webhooks", registration())).toMatchObject({
      status: 400,
      body: { message: "Target URL did not return status 200 (got 302)" },
    });
    expect(elsewhere.requests).toHaveLength(0);
    await elsewhere.close();
  });

  it("refuses private, link-local and mapped targets, and names that resolve to them (SSRF guard)", async () => {
    ctx.hosts.set("internal.example", ["10.1.2.3"]);
    ctx.hosts.set("mixed.example", ["93.184.216.34", "192.168.0.10"]);
    ctx.hosts.set("metadata.example", ["169.254.169.254"]);
    const cases: Array<[string, string]> = [
      ["https://10.0.0.1/hook", "10.0.0.1 is a private address"],
      ["https://192.168.1.20/hook", "192.168.1.20 is a private address"],
      ["https://169.254.169.254/latest/meta-data", "169.254.169.254 is a link-local address"],
      ["https://[::ffff:10.0.0.1]/hook", "::ffff:a00:1 is an IPv4-mapped IPv6 address"],
      ["https://[fd00::1]/hook", "fd00::1 is a private address"],
      ["https://100.64.1.1/hook", "100.64.1.1 is a carrier-grade NAT address"],
      ["https://0.0.0.0/hook", "0.0.0.0 is an unspecified address"],
      ["https://internal.example/hook", "internal.example is a private address"],
      ["https://mixed.example/hook", "mixed.example is a private address"],
      ["https://metadata.example/hook", "metadata.example is a link-local address"],
    ];
    for (const [targetURL, reason] of cases) {
      const res = await api(ctx, fleet, "POST", "/v1/webhooks", registration({ targetURL }));
      expect(res.body, targetURL).toEqual({ code: 400, message: `Target URL is not allowed: ${reason}` });
    }
  });
});

describe("update (§3, §10)", () => {
  it("accepts the data SDK's {request: …} wrapper, resets the failure count, keeps service and metric", async () => {
    const id = await register();
    await ctx.services.store.db
      .updateTable("webhooks")
      .set({ failure_count: 3 })
      .where("id", "=", id)
      .execute();
    const res = await api(ctx, fleet, "PUT", `/v1/webhooks/${id}`, {
      request: {
        condition: "valueNumber > 120",
        coolDownPeriod: 0,
        description: "Faster",
        metricName: "vss.range",
      },
    });
    expect(res).toMatchObject({ status: 200, body: { id, message: "Webhook updated successfully" } });
    const [view] = (await api(ctx, fleet, "GET", "/v1/webhooks")).body;
    expect(view).toMatchObject({
      condition: "valueNumber > 120",
      coolDownPeriod: 0,
      description: "Faster",
      metricName: "vss.speed",
      failureCount: 0,
    });
    // Top-level fields win over a wrapper.
    await api(ctx, fleet, "PUT", `/v1/webhooks/${id}`, {
      description: "Top",
      request: { description: "Inner" },
    });
    expect((await api(ctx, fleet, "GET", "/v1/webhooks")).body[0].description).toBe("Top");
  });

  it("validates like create, and verifies a new URL again (Keyfob addition)", async () => {
    const id = await register();
    expect(await api(ctx, fleet, "PUT", `/v1/webhooks/${id}`, { condition: 'value == "x"' })).toMatchObject({
      status: 400,
      body: { message: "invalid CEL condition: no such overload: double == string (at column 1)" },
    });
    expect(await api(ctx, fleet, "PUT", `/v1/webhooks/${id}`, { status: "deleted" })).toMatchObject({
      status: 400,
      body: { message: "Invalid status, must be 'enabled' or 'disabled', got 'deleted'" },
    });
    expect(await api(ctx, fleet, "PUT", `/v1/webhooks/${id}`, "{oops")).toMatchObject({
      status: 400,
      body: { message: expect.stringMatching(/^Invalid request payload: /) },
    });

    const moved = await startReceiver("verify-me");
    const wrong = await startReceiver("another-token");
    try {
      expect(
        await api(ctx, fleet, "PUT", `/v1/webhooks/${id}`, { targetURL: `${wrong.origin}/new` }),
      ).toMatchObject({
        status: 400,
        body: { message: "verification token mismatch. Expected 'verify-me', got 'another-token'" },
      });
      expect((await api(ctx, fleet, "GET", "/v1/webhooks")).body[0].targetURL).toBe(
        `${receiver.origin}/hook`,
      );
      // A new token may come with the new URL.
      expect(
        (
          await api(ctx, fleet, "PUT", `/v1/webhooks/${id}`, {
            targetURL: `${wrong.origin}/new`,
            verificationToken: "another-token",
          })
        ).status,
      ).toBe(200);
      expect(wrong.requests.map((r) => r.body)).toEqual([
        '{"verification":"test"}',
        '{"verification":"test"}',
      ]);
      expect(
        (await api(ctx, fleet, "PUT", `/v1/webhooks/${id}`, { targetURL: `${moved.origin}/x` })).status,
      ).toBe(400);
      // The same URL again: no handshake.
      const before = wrong.requests.length;
      expect(
        (await api(ctx, fleet, "PUT", `/v1/webhooks/${id}`, { targetURL: `${wrong.origin}/new` })).status,
      ).toBe(200);
      expect(wrong.requests).toHaveLength(before);
    } finally {
      await moved.close();
      await wrong.close();
    }
  });

  it("re-enables a failed webhook with status enabled", async () => {
    const id = await register();
    await ctx.services.store.db
      .updateTable("webhooks")
      .set({ status: "failed", failure_count: 10 })
      .where("id", "=", id)
      .execute();
    await api(ctx, fleet, "PUT", `/v1/webhooks/${id}`, { status: "enabled" });
    expect((await api(ctx, fleet, "GET", "/v1/webhooks")).body[0]).toMatchObject({
      status: "enabled",
      failureCount: 0,
    });
  });
});

describe("delete and signals (§2)", () => {
  it("soft-deletes: gone from the API, subscriptions dropped", async () => {
    const id = await register();
    await api(ctx, fleet, "POST", `/v1/webhooks/${id}/subscribe/${did(fleet.shared[0]!)}`);
    expect(await api(ctx, fleet, "DELETE", `/v1/webhooks/${id}`)).toMatchObject({
      status: 200,
      body: { message: "Webhook deleted successfully" },
    });
    expect((await api(ctx, fleet, "GET", "/v1/webhooks")).body).toEqual([]);
    expect((await api(ctx, fleet, "GET", `/v1/webhooks/${id}`)).status).toBe(404);
    expect((await api(ctx, fleet, "DELETE", `/v1/webhooks/${id}`)).status).toBe(404);
    const row = await ctx.services.store.db
      .selectFrom("webhooks")
      .select("status")
      .where("id", "=", id)
      .executeTakeFirst();
    expect(row?.status).toBe("deleted");
    expect(await ctx.services.store.db.selectFrom("webhook_subscriptions").selectAll().execute()).toEqual([]);
  });

  it("lists the signal definitions", async () => {
    const res = await api(ctx, fleet, "GET", "/v1/webhooks/signals");
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(116);
    expect(res.body).toContainEqual({
      name: "powertrainType",
      description: "Powertrain: COMBUSTION, HYBRID or ELECTRIC.",
      unit: "",
      valueType: "string",
      permissions: ["privilege:GetNonLocationHistory"],
    });
  });
});

describe("subscriptions (§5, §10)", () => {
  it("subscribes one vehicle (raw or percent-encoded DID, idempotently) and lists it both ways", async () => {
    const id = await register();
    const [a, b] = fleet.shared as [number, number];
    expect(await api(ctx, fleet, "POST", `/v1/webhooks/${id}/subscribe/${did(a)}`)).toMatchObject({
      status: 201,
      body: { message: "Vehicle assigned successfully" },
    });
    expect((await api(ctx, fleet, "POST", `/v1/webhooks/${id}/subscribe/${did(a)}`)).status).toBe(201);
    expect(
      (await api(ctx, fleet, "POST", `/v1/webhooks/${id}/subscribe/${encodeURIComponent(did(b))}`)).status,
    ).toBe(201);
    expect((await api(ctx, fleet, "GET", `/v1/webhooks/${id}`)).body).toEqual([did(a), did(b)]);
    expect((await api(ctx, fleet, "GET", `/v1/webhooks/vehicles/${did(a)}`)).body).toEqual([
      { webhookId: id, assetDid: did(a), createdAt: "2025-06-01T12:00:00.000Z", description: "Speeding" },
    ]);
  });

  it("takes the data SDK's body-less form POST (never 415)", async () => {
    const id = await register();
    const res = await ctx.app.inject({
      method: "POST",
      url: `/v1/webhooks/${id}/subscribe/${did(fleet.shared[0]!)}`,
      headers: { authorization: `Bearer ${fleet.jwt}`, "content-type": "application/x-www-form-urlencoded" },
      payload: "",
    });
    expect(res.statusCode).toBe(201);
    const all = await ctx.app.inject({
      method: "POST",
      url: `/v1/webhooks/${id}/subscribe/all`,
      headers: { authorization: `Bearer ${fleet.jwt}`, "content-type": "application/json" },
    });
    expect(all.json()).toEqual({ message: "Subscribed 2 assets" });
  });

  it("needs the metric's privileges: 403 without, and bad DIDs are 400", async () => {
    const id = await register();
    expect(
      await api(ctx, fleet, "POST", `/v1/webhooks/${id}/subscribe/${did(fleet.unshared)}`),
    ).toMatchObject({
      status: 403,
      body: { code: 403, message: "Insufficient vehicle permissions" },
    });
    expect(
      await api(ctx, fleet, "POST", `/v1/webhooks/${id}/subscribe/did:erc721:137:0xnope:1`),
    ).toMatchObject({
      status: 400,
      body: { message: "Invalid asset DID format: invalid contract address" },
    });
    expect(
      await api(
        ctx,
        fleet,
        "POST",
        `/v1/webhooks/${id}/subscribe/did:erc721:1:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:1`,
      ),
    ).toMatchObject({ status: 400, body: { message: expect.stringMatching(/^Invalid asset DID format: /) } });
    // A location signal needs GetLocationHistory: a grant of privilege 1 only is not enough.
    await grantPrivileges(ctx.services, fleet, fleet.unshared, [1]);
    const location = await register({
      metricName: "vss.currentLocationCoordinates",
      condition: "geoDistance(value.latitude, value.longitude, 48.137, 11.575) > 5",
    });
    expect(
      (await api(ctx, fleet, "POST", `/v1/webhooks/${location}/subscribe/${did(fleet.unshared)}`)).status,
    ).toBe(403);
    expect(
      (await api(ctx, fleet, "POST", `/v1/webhooks/${id}/subscribe/${did(fleet.unshared)}`)).status,
    ).toBe(201);
  });

  it("list: every asset is checked first; one without privileges fails the whole request", async () => {
    const id = await register();
    const dids = [...fleet.shared, fleet.unshared].map(did);
    expect(
      await api(ctx, fleet, "POST", `/v1/webhooks/${id}/subscribe/list`, { assetDIDs: dids }),
    ).toMatchObject({
      status: 403,
      body: { message: `Insufficient permissions for asset ${did(fleet.unshared)}` },
    });
    expect((await api(ctx, fleet, "GET", `/v1/webhooks/${id}`)).body).toEqual([]);
    expect(
      await api(ctx, fleet, "POST", `/v1/webhooks/${id}/subscribe/list`, {
        assetDIDs: fleet.shared.map(did),
      }),
    ).toMatchObject({ status: 200, body: { message: "Subscribed 2 assets" } });
    expect(
      (await api(ctx, fleet, "POST", `/v1/webhooks/${id}/subscribe/list`, { assetDIDs: [] })).status,
    ).toBe(400);
    expect(
      await api(ctx, fleet, "DELETE", `/v1/webhooks/${id}/unsubscribe/list`, {
        assetDIDs: [did(fleet.shared[0]!)],
      }),
    ).toMatchObject({ status: 200, body: { message: "Unsubscribed 1 assets" } });
    expect(
      await api(ctx, fleet, "DELETE", `/v1/webhooks/${id}/unsubscribe/${did(fleet.shared[1]!)}`),
    ).toMatchObject({ status: 200, body: { message: "Vehicle unsubscribed successfully" } });
    expect((await api(ctx, fleet, "GET", `/v1/webhooks/${id}`)).body).toEqual([]);
  });

  it("all: every privileged vehicle; unsubscribe all", async () => {
    const id = await register();
    expect(await api(ctx, fleet, "POST", `/v1/webhooks/${id}/subscribe/all`)).toMatchObject({
      status: 200,
      body: { message: "Subscribed 2 assets" },
    });
    expect((await api(ctx, fleet, "GET", `/v1/webhooks/${id}`)).body).toEqual(fleet.shared.map(did));
    expect(await api(ctx, fleet, "DELETE", `/v1/webhooks/${id}/unsubscribe/all`)).toMatchObject({
      status: 200,
      body: { message: "Unsubscribed 2 vehicles" },
    });
  });
});

describe("secret rotation, test events and the delivery log (§9)", () => {
  it("rotates the secret; for 24 h both sign", async () => {
    const first = (await api(ctx, fleet, "POST", "/v1/webhooks", registration())).body;
    const rotated = await api(ctx, fleet, "POST", `/v1/webhooks/${first.id}/secret`);
    expect(rotated).toMatchObject({ status: 200, body: { secret: expect.stringMatching(/^whsec_/) } });
    expect(rotated.body.secret).not.toBe(first.secret);
    const sent = await api(ctx, fleet, "POST", `/v1/webhooks/${first.id}/test`);
    expect(sent.body).toMatchObject({ status: "succeeded", responseStatus: 204 });
    const delivery = receiver.deliveries().at(-1)!;
    expect(String(delivery.headers["webhook-signature"]).split(" ")).toHaveLength(2);
    expect(signedBy(first.secret, delivery)).toBe(true);
    expect(signedBy(rotated.body.secret, delivery)).toBe(true);
    ctx.clock += 86_400_001;
    // A fresh developer JWT: the first one expired with the clock's jump.
    fleet.jwt = (await ctx.services.developerAuth.issueDeveloperJwt(fleet.clientId, fleet.clientId)).token;
    await api(ctx, fleet, "POST", `/v1/webhooks/${first.id}/test`);
    const later = receiver.deliveries().at(-1)!;
    expect(String(later.headers["webhook-signature"]).split(" ")).toHaveLength(1);
    expect(signedBy(rotated.body.secret, later)).toBe(true);
    expect(signedBy(first.secret, later)).toBe(false);
  });

  it("sends a test event and shows it in the delivery log with its attempts; retry re-queues it", async () => {
    const id = await register();
    receiver.respond((_req, res) => res.writeHead(503).end("busy"));
    const sent = await api(ctx, fleet, "POST", `/v1/webhooks/${id}/test`);
    expect(sent.body).toEqual({
      id: expect.any(String),
      status: "failed",
      responseStatus: 503,
      latencyMs: expect.any(Number),
      error: "HTTP 503",
    });
    const body = JSON.parse(receiver.deliveries()[0]!.body);
    expect(body).toMatchObject({ id: sent.body.id, type: "dimo.trigger.test", data: { webhookId: id } });
    expect(body.data.signal).toMatchObject({ name: "speed", valueType: "float64", value: 0 });

    const log = await api(ctx, fleet, "GET", `/v1/webhooks/${id}/deliveries`);
    expect(log.body).toEqual([
      {
        id: sent.body.id,
        kind: "test",
        assetDid: null,
        createdAt: "2025-06-01T12:00:00.000Z",
        attempt: 1,
        status: "failed",
        responseStatus: 503,
        latencyMs: expect.any(Number),
        error: "HTTP 503",
        nextAttemptAt: null,
      },
    ]);
    const detail = await api(ctx, fleet, "GET", `/v1/webhooks/${id}/deliveries/${sent.body.id}`);
    expect(detail.body.attempts).toEqual([
      {
        attempt: 1,
        startedAt: "2025-06-01T12:00:00.000Z",
        verdict: "failed",
        responseStatus: 503,
        latencyMs: expect.any(Number),
        error: "HTTP 503",
      },
    ]);
    expect(detail.body.payload).toEqual(body);
    // Test events do not count against the webhook.
    expect((await api(ctx, fleet, "GET", "/v1/webhooks")).body[0].failureCount).toBe(0);

    receiver.respond((_req, res) => res.writeHead(200).end());
    expect(
      await api(ctx, fleet, "POST", `/v1/webhooks/${id}/deliveries/${sent.body.id}/retry`),
    ).toMatchObject({
      status: 200,
      body: { id: sent.body.id, message: "Delivery re-queued" },
    });
    expect(
      (await api(ctx, fleet, "POST", `/v1/webhooks/${id}/deliveries/${sent.body.id}/retry`)).status,
    ).toBe(409);
    expect(await ctx.services.triggers.worker.runOnce()).toBe(1);
    const again = receiver.deliveries().at(-1)!;
    expect(again.headers["webhook-id"]).toBe(sent.body.id);
    expect((await api(ctx, fleet, "GET", `/v1/webhooks/${id}/deliveries`)).body[0]).toMatchObject({
      attempt: 2,
      status: "succeeded",
      responseStatus: 200,
    });
    expect((await api(ctx, fleet, "GET", `/v1/webhooks/${id}/deliveries?limit=0`)).status).toBe(400);
    expect(
      (await api(ctx, fleet, "GET", `/v1/webhooks/${id}/deliveries/00000000-0000-4000-8000-000000000000`))
        .status,
    ).toBe(404);
  });
});
