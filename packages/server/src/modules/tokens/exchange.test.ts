import type { FastifyInstance } from "fastify";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestStore, type TestStore, testEngine } from "../../../test/support/store.ts";
import { buildApp } from "../../app.ts";
import { loadConfig } from "../../config.ts";
import { encodeSubject } from "../../domain/subject.ts";
import { createServices, type Services } from "../../services.ts";
import type { User } from "../accounts/service.ts";
import { verifyVehicleJwt } from "../auth/jwt.ts";
import type { ApiKey, License } from "../licenses/service.ts";
import type { Vehicle } from "../vehicles/service.ts";
import {
  activeCloudEventAgreements,
  agreementsCover,
  type CloudEventAgreement,
  resolveCloudEvents,
  resolveExchangeRequest,
} from "./exchange.ts";

const CONTRACT = "0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF";
const DOMAIN = "https://app.example.com/callback";
const FORM = { "content-type": "application/x-www-form-urlencoded" };

describe(`token exchange (${testEngine()})`, () => {
  let test: TestStore;
  let services: Services;
  let app: FastifyInstance;
  let license: License;
  let apiKey: ApiKey;
  let owner: User;
  let shared: Vehicle; // shared with the license: template 1 (privileges 1–6) and attestations
  let narrow: Vehicle; // shared with privilege 1 only
  let unshared: Vehicle;
  let ownVehicle: Vehicle; // owned by the license's clientId itself
  let developerJwt: string;
  const clock = { now: Date.parse("2030-06-01T12:00:00Z") };

  /** The data SDK's getDeveloperJwt: challenge in the query, sign locally, submit the form. */
  async function developerLogin(clientId: string, privateKey: string): Promise<string> {
    const generated = await app.inject({
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
    });
    expect(generated.statusCode).toBe(200);
    const { state, challenge } = generated.json();
    const signature = await privateKeyToAccount(`0x${privateKey}`).signMessage({ message: challenge });
    const submitted = await app.inject({
      method: "POST",
      url: "/auth/web3/submit_challenge",
      headers: FORM,
      payload: new URLSearchParams({
        client_id: clientId,
        domain: DOMAIN,
        grant_type: "authorization_code",
        state,
        signature,
      }).toString(),
    });
    expect(submitted.statusCode).toBe(200);
    return submitted.json().access_token;
  }

  const exchange = (
    body: unknown,
    token: string | null = developerJwt,
    extra: Record<string, string> = {},
  ) => {
    const headers = { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...extra };
    const url = "/v1/tokens/exchange";
    if (body === undefined) return app.inject({ method: "POST", url, headers });
    if (typeof body === "string") {
      return app.inject({
        method: "POST",
        url,
        headers: { "content-type": "application/json", ...headers },
        payload: body,
      });
    }
    return app.inject({ method: "POST", url, headers, payload: body as object });
  };
  const claimsOf = async (token: string) => {
    const jwks = (await app.inject({ method: "GET", url: "/roles-rights/keys" })).json();
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
      issuer: "http://localhost:3000/roles-rights",
      audience: "dimo.zone",
      currentDate: new Date(clock.now),
    });
    return payload;
  };
  const did = (tokenId: number) => `did:erc721:137:${CONTRACT}:${tokenId}`;
  const snapshot = async () => {
    const db = test.store.db;
    return {
      grants: await db.selectFrom("grants").selectAll().orderBy("token_id").orderBy("grantee").execute(),
      events: await db.selectFrom("grant_events").select("id").execute(),
      documents: await db.selectFrom("sacd_documents").select("cid").orderBy("cid").execute(),
      keys: await db.selectFrom("signing_keys").select(["kid", "retired_at"]).orderBy("kid").execute(),
      licenses: await db.selectFrom("licenses").selectAll().orderBy("token_id").execute(),
      vehicles: await db.selectFrom("vehicles").selectAll().orderBy("token_id").execute(),
      challenges: await db.selectFrom("auth_challenges").select("state").orderBy("state").execute(),
    };
  };

  beforeAll(async () => {
    test = await createTestStore();
    services = await createServices(
      loadConfig({ KEYFOB_SECRET: "x".repeat(40), KEYFOB_LOG_LEVEL: "silent" }),
      {
        store: test.store,
        now: () => clock.now,
      },
    );
    app = await buildApp(services);
    await app.ready();
    license = await services.licenses.create({
      owner: "0x000000000000000000000000000000000000dEaD",
      alias: "exchange",
    });
    await services.licenses.addRedirectUri(license.clientId, DOMAIN);
    apiKey = await services.licenses.createApiKey(license.clientId);
    owner = await services.accounts.create("owner@example.com");
    const spec = { make: "Tesla", model: "Model 3", year: 2022, powertrainType: "BEV" as const };
    shared = await services.vehicles.mint({ owner: owner.walletAddress, ...spec });
    narrow = await services.vehicles.mint({ owner: owner.walletAddress, ...spec });
    unshared = await services.vehicles.mint({ owner: owner.walletAddress, ...spec });
    ownVehicle = await services.vehicles.mint({ owner: license.clientId, ...spec });
    await services.grants.grant({
      tokenId: shared.tokenId,
      grantee: license.clientId,
      grantor: owner.walletAddress,
      templateId: "1",
      cloudEvents: [{ eventType: "dimo.attestation", source: "*", ids: ["*"], tags: ["*"] }],
    });
    await services.grants.grant({
      tokenId: narrow.tokenId,
      grantee: license.clientId,
      grantor: owner.walletAddress,
      privileges: [1],
    });
    developerJwt = await developerLogin(license.clientId, apiKey.privateKey);
  });
  afterAll(async () => {
    await app.close();
    await services.close();
    await test.cleanup();
  });

  it("challenge → submit → exchange with the data SDK's deprecated body yields the vehicle JWT of §7.3", async () => {
    const res = await exchange({ nftContractAddress: CONTRACT, privileges: [1, 4], tokenId: shared.tokenId });
    expect(res.statusCode).toBe(200);
    expect(res.headers["cache-control"]).toBe("no-store");
    const { token } = res.json();
    expect(Object.keys(res.json())).toEqual(["token"]);
    expect(decodeProtectedHeader(token)).toMatchObject({
      alg: "ES256",
      kid: (await services.keys.signingKey("vehicle")).kid,
    });
    const iat = Math.floor(clock.now / 1000);
    expect(await claimsOf(token)).toEqual({
      iss: "http://localhost:3000/roles-rights",
      sub: license.clientId,
      aud: ["dimo.zone"],
      iat,
      exp: iat + 600,
      asset: did(shared.tokenId),
      permissions: ["privilege:GetNonLocationHistory", "privilege:GetLocationHistory"],
      cloud_events: { events: [] },
      contract_address: CONTRACT.toLowerCase(),
      token_id: String(shared.tokenId),
      privilege_ids: [1, 4],
    });
    await expect(verifyVehicleJwt(services.jwt, token)).resolves.toMatchObject({
      asset: did(shared.tokenId),
    });
  });

  it("the current body: asset DID in any case, permission names, audience, cloud events covered by the signed document", async () => {
    const res = await exchange({
      asset: `did:erc721:137:${CONTRACT.toLowerCase()}:${shared.tokenId}`,
      permissions: ["privilege:GetLocationHistory", "privilege:GetNonLocationHistory"],
      cloudEvents: {
        events: [
          {
            eventType: "dimo.attestation",
            source: "0x5fbdb2315678afecb367f032d93f642f64180aa3",
            ids: ["vin"],
          },
        ],
      },
      audience: ["dimo.zone", "my-api"],
    });
    expect(res.statusCode).toBe(200);
    expect(await claimsOf(res.json().token)).toMatchObject({
      aud: ["dimo.zone", "my-api"],
      asset: did(shared.tokenId),
      permissions: ["privilege:GetLocationHistory", "privilege:GetNonLocationHistory"],
      privilege_ids: [4, 1],
      cloud_events: {
        events: [
          {
            event_type: "dimo.attestation",
            source: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
            ids: ["vin"],
            tags: ["*"],
          },
        ],
      },
    });
    // Cloud events alone are enough; missing fields mean "any", which only a `*` agreement covers.
    const only = await exchange({
      asset: did(shared.tokenId),
      cloudEvents: { events: [{ eventType: "dimo.attestation" }] },
    });
    expect(only.statusCode).toBe(200);
    expect((await claimsOf(only.json().token)).cloud_events).toEqual({
      events: [{ event_type: "dimo.attestation", source: "*", ids: ["*"], tags: ["*"] }],
    });
    const anyType = await exchange({ asset: did(shared.tokenId), cloudEvents: { events: [{}] } });
    expect(anyType.json()).toEqual({ code: 403, message: "failed to evaluate cloudevents" });
  });

  it("the owner holds every privilege and every cloud event", async () => {
    const res = await exchange({
      nftContractAddress: CONTRACT,
      tokenId: ownVehicle.tokenId,
      privileges: [7, 8],
    });
    expect(res.statusCode).toBe(200);
    const events = await exchange({
      asset: did(ownVehicle.tokenId),
      cloudEvents: { events: [{ eventType: "dimo.status" }] },
    });
    expect(events.statusCode).toBe(200);
  });

  it("every error of §7.4 is {code, message} with its status, and nothing stored changes", async () => {
    const before = await snapshot();
    const expectError = async (
      res: Awaited<ReturnType<typeof exchange>>,
      status: number,
      message: string,
    ) => {
      expect({ status: res.statusCode, body: res.json() }).toEqual({
        status,
        body: { code: status, message },
      });
    };
    const userJwt = (
      await services.developerAuth.issueUserJwt({
        clientId: license.clientId,
        walletAddress: owner.walletAddress,
      })
    ).token;
    const sub = encodeSubject({ userId: license.clientId, connId: "web3" });
    const custom = async (claims: Record<string, unknown>) =>
      (
        await services.jwt.sign(
          "developer",
          { aud: license.clientId, provider_id: "web3", email_verified: false, ...claims },
          300,
        )
      ).token;
    const body = { nftContractAddress: CONTRACT, privileges: [1], tokenId: shared.tokenId };

    // Authentication.
    await expectError(await exchange(body, null), 401, "Missing or malformed JWT");
    await expectError(
      await exchange(body, null, { authorization: "Basic abc" }),
      401,
      "Missing or malformed JWT",
    );
    await expectError(await exchange(body, "not.a.jwt"), 401, "Invalid or expired JWT");
    await expectError(
      await exchange(body, `${developerJwt.slice(0, -4)}AAAA`),
      401,
      "Invalid or expired JWT",
    );
    await expectError(await exchange(body, userJwt), 403, `not a dev license: ${owner.walletAddress}`);
    await expectError(
      await exchange(body, await custom({ sub, ethereum_address: owner.walletAddress })),
      403,
      `not a dev license: ${owner.walletAddress}`,
    );
    await expectError(await exchange(body, await custom({ sub })), 401, "No Ethereum address claim found.");
    await expectError(
      await exchange(body, await custom({ sub, ethereum_address: "0x12" })),
      401,
      "Ethereum address claim is not a valid hex address.",
    );
    await expectError(
      await exchange(body, await custom({ sub: "@@@", ethereum_address: license.clientId })),
      400,
      "failed to decode subject",
    );
    await expectError(
      await exchange(body, await custom({ sub: "Cg", ethereum_address: license.clientId })),
      400,
      "failed to parse subject",
    );
    await expectError(
      await exchange(
        body,
        await custom({
          sub: encodeSubject({ userId: "bob", connId: "web3" }),
          ethereum_address: license.clientId,
        }),
      ),
      400,
      "user id is not valid hex address",
    );

    // The body.
    await expectError(await exchange("{not json"), 400, "Couldn't parse request body.");
    await expectError(await exchange(""), 400, "Couldn't parse request body.");
    await expectError(await exchange(undefined), 400, "Couldn't parse request body.");
    await expectError(await exchange("[1,2]"), 400, "Couldn't parse request body.");
    await expectError(await exchange({ ...body, tokenId: "7" }), 400, "Couldn't parse request body.");
    await expectError(await exchange({ ...body, privileges: [1.5] }), 400, "Couldn't parse request body.");
    await expectError(await exchange({ ...body, privileges: [9] }), 400, "unknown privileges [9]");
    await expectError(await exchange({ ...body, privileges: [0, 1, 9] }), 400, "unknown privileges [0 9]");
    await expectError(
      await exchange({ ...body, privileges: [] }),
      400,
      "Please provide at least one privilege or cloudevent",
    );
    await expectError(
      await exchange({ asset: did(shared.tokenId) }),
      400,
      "Please provide at least one privilege or cloudevent",
    );
    await expectError(
      await exchange({ ...body, nftContractAddress: "0x123" }),
      400,
      'Invalid NFT contract address "0x123".',
    );
    await expectError(
      await exchange({ privileges: [1], tokenId: 1 }),
      400,
      'Invalid NFT contract address "".',
    );
    await expectError(
      await exchange({ asset: "did:erc721:137:0x123:1", permissions: ["privilege:GetNonLocationHistory"] }),
      400,
      'Invalid asset DID "did:erc721:137:0x123:1": invalid contract address.',
    );
    await expectError(
      await exchange({
        asset: "did:ethr:137:0x5FbDB2315678afecb367f032d93F642f64180aa3",
        permissions: ["privilege:GetNonLocationHistory"],
      }),
      400,
      'Invalid asset DID "did:ethr:137:0x5FbDB2315678afecb367f032d93F642f64180aa3": expected did:erc721:<chainId>:<contract>:<tokenId>.',
    );
    await expectError(
      await exchange({ ...body, nftContractAddress: "0x45fbCD3ef7361d156e8b16F5538AE36DEdf61Da8" }),
      400,
      `Unsupported asset contract 0x45fbCD3ef7361d156e8b16F5538AE36DEdf61Da8: this server issues vehicle tokens for the vehicle contract ${CONTRACT}.`,
    );
    await expectError(
      await exchange({
        asset: `did:erc721:80002:${CONTRACT}:1`,
        permissions: ["privilege:GetNonLocationHistory"],
      }),
      400,
      `Unsupported chain id 80002 in asset DID "did:erc721:80002:${CONTRACT}:1": this server issues vehicle tokens for chain 137.`,
    );
    await expectError(
      await exchange({ ...body, tokenId: -1 }),
      400,
      `Invalid asset DID "did:erc721:137:${CONTRACT}:-1": invalid token id.`,
    );

    // Authorization.
    await expectError(await exchange({ ...body, tokenId: 999_999 }), 404, "No vehicle with token id 999999.");
    await expectError(
      await exchange({ ...body, tokenId: narrow.tokenId, privileges: [1, 4] }),
      403,
      `Address ${license.clientId} lacks permissions [4] for asset ${did(narrow.tokenId)}.`,
    );
    await expectError(
      await exchange({ ...body, tokenId: shared.tokenId, privileges: [1, 7, 8] }),
      403,
      `Address ${license.clientId} lacks permissions [7 8] for asset ${did(shared.tokenId)}.`,
    );
    await expectError(
      await exchange({ ...body, tokenId: unshared.tokenId }),
      403,
      `Address ${license.clientId} lacks permissions [1] for asset ${did(unshared.tokenId)}.`,
    );
    await expectError(
      await exchange({ asset: did(shared.tokenId), permissions: ["privilege:Teleport"] }),
      403,
      `Address ${license.clientId} lacks permissions [privilege:Teleport] for asset ${did(shared.tokenId)}.`,
    );
    await expectError(
      await exchange({
        asset: did(narrow.tokenId),
        cloudEvents: { events: [{ eventType: "dimo.attestation" }] },
      }),
      403,
      "failed to evaluate cloudevents",
    );
    await expectError(
      await exchange({ asset: did(unshared.tokenId), cloudEvents: { events: [{}] } }),
      403,
      "failed to evaluate cloudevents",
    );
    await expectError(
      await exchange({ asset: did(shared.tokenId), cloudEvents: { events: [{ eventType: "dimo.status" }] } }),
      403,
      "failed to evaluate cloudevents",
    );

    // Oversize.
    const big = await exchange({ ...body, audience: ["x".repeat(20 * 1024)] });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toEqual({ code: 413, message: "Request body is too large." });

    // An expired developer JWT.
    clock.now += (86_400 + 61) * 1000;
    await expectError(await exchange(body), 401, "Invalid or expired JWT");
    clock.now -= (86_400 + 61) * 1000;

    expect(await snapshot()).toEqual(before);
  });

  it("repeats within one second get the same token; a grant change or the next second signs anew", async () => {
    const body = { nftContractAddress: CONTRACT, privileges: [1], tokenId: narrow.tokenId };
    const first = (await exchange(body)).json().token;
    expect((await exchange(body)).json().token).toBe(first);
    const other = (await exchange({ ...body, privileges: [1, 4], tokenId: shared.tokenId })).json();
    expect(other.token).toEqual(expect.any(String));
    expect(other.token).not.toBe(first);
    await services.grants.extend({
      tokenId: narrow.tokenId,
      grantee: license.clientId,
      grantor: owner.walletAddress,
      expiresAt: new Date(clock.now + 400 * 86400_000),
    });
    const afterChange = (await exchange(body)).json().token;
    expect(afterChange).not.toBe(first);
    clock.now += 1000;
    const nextSecond = (await exchange(body)).json().token;
    expect(nextSecond).not.toBe(afterChange);
    const claims = (t: string) => JSON.parse(Buffer.from(t.split(".")[1]!, "base64url").toString());
    expect(claims(nextSecond).iat).toBe(claims(afterChange).iat + 1);
    expect(claims(nextSecond).exp - claims(nextSecond).iat).toBe(600);
  });

  it("a revoked or transferred grant no longer exchanges", async () => {
    const vehicle = await services.vehicles.mint({
      owner: owner.walletAddress,
      make: "Kia",
      model: "EV6",
      year: 2023,
      powertrainType: "BEV",
    });
    await services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: license.clientId,
      grantor: owner.walletAddress,
      privileges: [1],
    });
    const body = { nftContractAddress: CONTRACT, privileges: [1], tokenId: vehicle.tokenId };
    expect((await exchange(body)).statusCode).toBe(200);
    await services.grants.revoke({
      tokenId: vehicle.tokenId,
      grantee: license.clientId,
      grantor: owner.walletAddress,
    });
    expect((await exchange(body)).statusCode).toBe(403);

    await services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: license.clientId,
      grantor: owner.walletAddress,
      privileges: [1],
    });
    expect((await exchange(body)).statusCode).toBe(200);
    const buyer = await services.accounts.create("buyer@example.com");
    await services.vehicles.transfer(vehicle.tokenId, buyer.walletAddress);
    expect((await exchange(body)).json()).toEqual({
      code: 403,
      message: `Address ${license.clientId} lacks permissions [1] for asset ${did(vehicle.tokenId)}.`,
    });
  });

  it("cloud events need a signed document that verifies and names this grantee", async () => {
    const db = test.store.db;
    const other = await services.licenses.create({ owner: "0x000000000000000000000000000000000000dEaD" });
    const vehicle = await services.vehicles.mint({
      owner: owner.walletAddress,
      make: "Kia",
      model: "EV9",
      year: 2024,
      powertrainType: "BEV",
    });
    const events = [{ eventType: "dimo.attestation", source: "*", ids: ["*"], tags: ["*"] }];
    const mine = await services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: license.clientId,
      grantor: owner.walletAddress,
      privileges: [1],
      cloudEvents: events,
    });
    const theirs = await services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: other.clientId,
      grantor: owner.walletAddress,
      privileges: [1],
      cloudEvents: events,
    });
    const body = {
      asset: did(vehicle.tokenId),
      permissions: ["privilege:GetNonLocationHistory"],
      cloudEvents: { events: [{ eventType: "dimo.attestation" }] },
    };
    expect((await exchange(body)).statusCode).toBe(200);

    // Someone else's document behind our record.
    await db
      .updateTable("grants")
      .set({ source: theirs.source })
      .where("token_id", "=", vehicle.tokenId)
      .where("grantee", "=", license.clientId)
      .execute();
    services.grants.clearCache();
    expect((await exchange(body)).json()).toEqual({
      code: 403,
      message: "Grantee address in permission record doesn't match requester",
    });
    // Privileges alone come from the record bits and still work.
    expect((await exchange({ ...body, cloudEvents: undefined })).statusCode).toBe(200);

    // Our document, signed by someone other than the grantor.
    const cid = mine.source.slice("ipfs://".length);
    const text = (await services.grants.document(cid))!;
    const data = text.slice(text.indexOf('"data":') + 7, text.lastIndexOf(',"signature"'));
    const forged = await privateKeyToAccount(`0x${"99".repeat(32)}`).signMessage({ message: data });
    await db
      .updateTable("sacd_documents")
      .set({ body: text.replace(/"signature":"0x[0-9a-f]+"/, `"signature":"${forged}"`) })
      .where("cid", "=", cid)
      .execute();
    await db
      .updateTable("grants")
      .set({ source: mine.source })
      .where("token_id", "=", vehicle.tokenId)
      .where("grantee", "=", license.clientId)
      .execute();
    services.grants.clearCache();
    expect((await exchange(body)).json()).toEqual({ code: 403, message: "invalid grant signature" });

    // No document at all.
    await db.deleteFrom("sacd_documents").where("cid", "=", cid).execute();
    expect((await exchange(body)).json()).toEqual({ code: 403, message: "failed to evaluate cloudevents" });
  });

  it("resolves the request with the official defaults", () => {
    const settings = { chainId: 137, vehicleContract: CONTRACT as `0x${string}` };
    const resolved = resolveExchangeRequest(
      { nftContractAddress: CONTRACT.toLowerCase(), tokenId: 7, privileges: [4, 1, 4] },
      settings,
    );
    expect(resolved).toEqual({
      asset: { chainId: 137, contract: CONTRACT, tokenId: 7, did: did(7) },
      privileges: [4, 1],
      unknownPermissions: [],
      cloudEvents: [],
      audience: ["dimo.zone"],
    });
    // A non-empty asset wins over the deprecated fields; names win over ids.
    expect(
      resolveExchangeRequest(
        { asset: did(3), tokenId: 7, permissions: ["privilege:GetRawData"], privileges: [9] },
        settings,
      ),
    ).toMatchObject({
      asset: { tokenId: 3 },
      privileges: [7],
    });
    expect(
      resolveCloudEvents({
        cloudEvents: { events: [{ eventType: "", source: null, ids: [], tags: ["a"] }] },
      }),
    ).toEqual([{ eventType: "*", source: "*", ids: ["*"], tags: ["a"] }]);
  });

  it("matches cloud-event agreements with * as a wildcard on the agreement side", () => {
    const at = Date.parse("2030-01-01T00:00:00Z");
    const data = {
      agreements: [
        {
          type: "permission",
          asset: did(1),
          permissions: [],
          effectiveAt: "2029-01-01T00:00:00Z",
          expiresAt: "2031-01-01T00:00:00Z",
        },
        {
          type: "cloudevent",
          asset: did(1),
          eventType: "dimo.attestation",
          source: "*",
          ids: ["vin", "odo"],
          tags: ["*"],
          effectiveAt: "2029-01-01T00:00:00Z",
          expiresAt: "2031-01-01T00:00:00Z",
        },
        {
          type: "cloudevent",
          asset: did(1),
          eventType: "*",
          source: "0x5fbdb2315678afecb367f032d93f642f64180aa3",
          effectiveAt: "2029-01-01T00:00:00Z",
          expiresAt: "2031-01-01T00:00:00Z",
        },
        // Out of its window: ignored, even though its asset differs.
        {
          type: "cloudevent",
          asset: did(2),
          eventType: "*",
          source: "*",
          ids: ["*"],
          tags: ["*"],
          effectiveAt: "2031-01-01T00:00:00Z",
          expiresAt: "2032-01-01T00:00:00Z",
        },
      ],
    };
    const agreements: CloudEventAgreement[] = activeCloudEventAgreements(data, did(1), at);
    expect(agreements).toHaveLength(2);
    const request = (r: Partial<{ eventType: string; source: string; ids: string[]; tags: string[] }>) => ({
      eventType: "dimo.attestation",
      source: "0x1111111111111111111111111111111111111111",
      ids: ["vin"],
      tags: ["t"],
      ...r,
    });
    expect(agreementsCover(agreements, request({}))).toBe(true);
    expect(agreementsCover(agreements, request({ ids: ["vin", "odo"] }))).toBe(true);
    expect(agreementsCover(agreements, request({ ids: ["vin", "other"] }))).toBe(false);
    expect(agreementsCover(agreements, request({ ids: ["*"] }))).toBe(false);
    expect(agreementsCover(agreements, request({ eventType: "dimo.status" }))).toBe(false);
    expect(
      agreementsCover(
        agreements,
        request({
          eventType: "dimo.status",
          source: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
          ids: ["*"],
          tags: ["*"],
        }),
      ),
    ).toBe(true);
    // An agreement in force for another asset is an error.
    expect(() => activeCloudEventAgreements(data, did(3), at)).toThrow(
      expect.objectContaining({ statusCode: 403 }),
    );
  });
});
