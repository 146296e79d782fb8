import { createHmac, createPublicKey } from "node:crypto";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestStore, type TestStore, testEngine } from "../../../test/support/store.ts";
import { loadConfig } from "../../config.ts";
import { encodeSubject } from "../../domain/subject.ts";
import { createServices, type Services } from "../../services.ts";
import { bearerToken, InvalidJwtError, signCompactJwt, verifyVehicleJwt } from "./jwt.ts";

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

describe(`JWT signing and verification (${testEngine()})`, () => {
  let test: TestStore;
  let services: Services;
  const clock = { now: Date.parse("2030-06-01T12:00:00Z") };
  const nowS = () => Math.floor(clock.now / 1000);

  beforeAll(async () => {
    test = await createTestStore();
    services = await createServices(
      loadConfig({ KEYFOB_SECRET: "x".repeat(40), KEYFOB_LOG_LEVEL: "silent" }),
      {
        store: test.store,
        now: () => clock.now,
      },
    );
  });
  afterAll(async () => {
    await services.close();
    await test.cleanup();
  });

  const developerKey = () => services.keys.signingKey("developer");
  const claims = () => ({ iss: "http://localhost:3000", sub: "s", iat: nowS(), exp: nowS() + 300 });
  const rejects = async (token: string, issuer: "developer" | "vehicle" = "developer") => {
    const error = await services.jwt.verify(issuer, token).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(InvalidJwtError);
    expect(error).toMatchObject({ statusCode: 401, message: "Invalid or expired JWT" });
    return error as InvalidJwtError;
  };

  it("signs ES256 with the issuer's kid and verifies its own tokens", async () => {
    const signed = await services.jwt.sign("developer", { sub: "s", aud: "a" }, 300);
    const [header, payload] = signed.token
      .split(".")
      .slice(0, 2)
      .map((p) => JSON.parse(Buffer.from(p, "base64url").toString()));
    expect(header).toEqual({ alg: "ES256", kid: (await developerKey()).kid, typ: "JWT" });
    expect(payload).toEqual({
      iss: "http://localhost:3000",
      sub: "s",
      aud: "a",
      iat: nowS(),
      exp: nowS() + 300,
    });
    await expect(services.jwt.verify("developer", signed.token)).resolves.toMatchObject({ sub: "s" });
  });

  it('rejects alg "none"', async () => {
    const { kid } = await developerKey();
    await rejects(`${b64({ alg: "none", kid, typ: "JWT" })}.${b64(claims())}.`);
    await rejects(`${b64({ alg: "none", kid, typ: "JWT" })}.${b64(claims())}`);
  });

  it("rejects HS256 signed with the public key as the HMAC secret", async () => {
    const key = await developerKey();
    const publicPem = createPublicKey(key.privateKey).export({ format: "pem", type: "spki" }).toString();
    const publicJwk = JSON.stringify((await services.keys.jwks("developer")).keys[0]);
    for (const secret of [publicPem, publicJwk]) {
      const input = `${b64({ alg: "HS256", kid: key.kid, typ: "JWT" })}.${b64(claims())}`;
      const mac = createHmac("sha256", secret).update(input).digest("base64url");
      await rejects(`${input}.${mac}`);
    }
  });

  it("rejects a token of our own key with the wrong issuer, and a vehicle token at the developer issuer", async () => {
    const key = await developerKey();
    await rejects(signCompactJwt(key, { ...claims(), iss: "http://localhost:3000/" }));
    await rejects(signCompactJwt(key, { ...claims(), iss: "https://auth.dimo.zone" }));
    const { iss: _iss, ...noIss } = claims();
    await rejects(signCompactJwt(key, noIss));
    const vehicle = await services.jwt.sign("vehicle", { sub: "v", aud: ["dimo.zone"] }, 600);
    await rejects(vehicle.token, "developer");
    await expect(services.jwt.verify("vehicle", vehicle.token)).resolves.toMatchObject({ sub: "v" });
  });

  it("checks exp and iat with at most 60 s of skew", async () => {
    const key = await developerKey();
    const at = (iat: number, exp: number) => signCompactJwt(key, { ...claims(), iat, exp });
    await expect(services.jwt.verify("developer", at(nowS() - 400, nowS() - 59))).resolves.toBeTruthy();
    await rejects(at(nowS() - 400, nowS() - 61));
    await expect(services.jwt.verify("developer", at(nowS() + 59, nowS() + 300))).resolves.toBeTruthy();
    await rejects(at(nowS() + 61, nowS() + 300));
    const { exp: _exp, ...noExp } = claims();
    await rejects(signCompactJwt(key, noExp));
    const { iat: _iat, ...noIat } = claims();
    await rejects(signCompactJwt(key, noIat));

    // Verified once (and remembered), the same token still expires on time.
    const signed = await services.jwt.sign("developer", { sub: "s" }, 300);
    await expect(services.jwt.verify("developer", signed.token)).resolves.toBeTruthy();
    clock.now += 361_000;
    await rejects(signed.token);
    clock.now -= 361_000;
  });

  it("rejects unknown kids, a missing kid, and never follows jku, x5u or an embedded jwk", async () => {
    const attacker = await generateKeyPair("ES256", { extractable: true });
    const attackerJwk = await exportJWK(attacker.publicKey);
    const forged = (header: Record<string, unknown>) =>
      new SignJWT(claims())
        .setProtectedHeader({ alg: "ES256", typ: "JWT", ...header })
        .sign(attacker.privateKey);
    await rejects(await forged({ kid: "unknown" }));
    await rejects(await forged({}));
    await rejects(await forged({ kid: "attacker", jku: "https://evil.example/jwks.json" }));
    await rejects(await forged({ kid: "attacker", x5u: "https://evil.example/cert.pem" }));
    await rejects(await forged({ kid: "attacker", jwk: attackerJwk }));
    // Our kid with the attacker's signature.
    await rejects(await forged({ kid: (await developerKey()).kid, jwk: attackerJwk }));
    // A kid of the other issuer's store does not resolve either.
    const vehicleKey = await services.keys.signingKey("vehicle");
    await rejects(signCompactJwt(vehicleKey, claims()));
  });

  it("rejects garbage and oversize tokens, and tampered payloads", async () => {
    await rejects("");
    await rejects("a.b.c");
    await rejects("x".repeat(9000));
    const signed = await services.jwt.sign("developer", { sub: "s" }, 300);
    const [h, , s] = signed.token.split(".");
    await rejects(`${h}.${b64({ ...claims(), sub: "other" })}.${s}`);
  });

  it("bearerToken takes the token of an Authorization header and 401s without one", () => {
    expect(bearerToken("Bearer abc.def.ghi")).toBe("abc.def.ghi");
    expect(bearerToken("bearer  abc")).toBe("abc");
    for (const header of [undefined, "", "Bearer", "Basic abc", "Bearer a b"]) {
      expect(() => bearerToken(header)).toThrow(
        expect.objectContaining({ statusCode: 401, message: "Missing or malformed JWT" }),
      );
    }
  });

  it("verifyVehicleJwt requires the dimo.zone audience", async () => {
    const ok = await services.jwt.sign(
      "vehicle",
      { sub: "c", aud: ["dimo.zone"], asset: "did:x", permissions: [] },
      600,
    );
    await expect(verifyVehicleJwt(services.jwt, ok.token)).resolves.toMatchObject({ sub: "c" });
    const other = await services.jwt.sign(
      "vehicle",
      { sub: "c", aud: ["other"], asset: "did:x", permissions: [] },
      600,
    );
    await expect(verifyVehicleJwt(services.jwt, other.token)).rejects.toMatchObject({ statusCode: 401 });
  });

  it("verifyDeveloperJwt: subject must be a license and ethereum_address must equal it", async () => {
    const license = await services.licenses.create({ owner: "0x000000000000000000000000000000000000dEaD" });
    const clientId = license.clientId;
    const sign = (extra: Record<string, unknown>) =>
      services.jwt.sign(
        "developer",
        { aud: clientId, provider_id: "web3", email_verified: false, ...extra },
        300,
      );
    const sub = (userId: string) => encodeSubject({ userId, connId: "web3" });
    const verify = async (extra: Record<string, unknown>) =>
      services.developerAuth.verifyDeveloperJwt((await sign(extra)).token).then(
        (identity) => identity,
        (err: { statusCode: number; message: string }) => ({
          statusCode: err.statusCode,
          message: err.message,
        }),
      );

    await expect(verify({ sub: sub(clientId), ethereum_address: clientId })).resolves.toMatchObject({
      clientId,
      ethereumAddress: clientId,
    });
    await expect(
      verify({ sub: sub(clientId.toLowerCase()), ethereum_address: clientId.toLowerCase() }),
    ).resolves.toMatchObject({
      clientId,
    });
    const wallet = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
    expect(await verify({ sub: sub(wallet), ethereum_address: wallet })).toEqual({
      statusCode: 403,
      message: `not a dev license: ${wallet}`,
    });
    expect(await verify({ sub: sub(clientId), ethereum_address: wallet })).toEqual({
      statusCode: 403,
      message: `not a dev license: ${wallet}`,
    });
    expect(await verify({ sub: sub(clientId) })).toEqual({
      statusCode: 401,
      message: "No Ethereum address claim found.",
    });
    // Pinned to its audience: the license itself (a single string, or an array holding it).
    await expect(
      verify({ sub: sub(clientId), ethereum_address: clientId, aud: [clientId, "x"] }),
    ).resolves.toMatchObject({ clientId });
    expect(await verify({ sub: sub(clientId), ethereum_address: clientId, aud: "dimo.zone" })).toEqual({
      statusCode: 401,
      message: "Invalid or expired JWT",
    });
    expect(await verify({ sub: sub(clientId), ethereum_address: clientId, aud: undefined })).toEqual({
      statusCode: 401,
      message: "Invalid or expired JWT",
    });
    expect(await verify({ sub: sub(clientId), ethereum_address: "0x12" })).toEqual({
      statusCode: 401,
      message: "Ethereum address claim is not a valid hex address.",
    });
    expect(await verify({ sub: "!!!", ethereum_address: clientId })).toEqual({
      statusCode: 400,
      message: "failed to decode subject",
    });
    expect(await verify({ sub: "Cg", ethereum_address: clientId })).toEqual({
      statusCode: 400,
      message: "failed to parse subject",
    });
    expect(await verify({ sub: sub("alice"), ethereum_address: clientId })).toEqual({
      statusCode: 400,
      message: "user id is not valid hex address",
    });
  });
});
