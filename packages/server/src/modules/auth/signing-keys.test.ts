import { calculateJwkThumbprint, createLocalJWKSet, jwtVerify } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { createTestStore, testEngine } from "../../../test/support/store.ts";
import { Sealer } from "../../secrets.ts";
import { openStore, type Store } from "../../store/index.ts";
import { JwtService } from "./jwt.ts";
import { type JwtAlg, SigningKeyStore, type SigningKeyStoreOptions } from "./signing-keys.ts";

const sealer = new Sealer("x".repeat(40), "signing-keys");
const lifetimes = { developer: 86_400, vehicle: 600 };

describe(`signing keys (${testEngine()})`, () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const clean of cleanups.splice(0).reverse()) await clean();
  });

  async function setup() {
    const test = await createTestStore();
    cleanups.push(() => test.cleanup());
    const clock = { now: Date.parse("2030-01-01T00:00:00Z") };
    const make = (
      store: Store = test.store,
      alg: JwtAlg = "ES256",
      extra: Partial<SigningKeyStoreOptions> = {},
    ) =>
      new SigningKeyStore(store.db, sealer, {
        alg,
        maxTokenLifetimeSeconds: lifetimes,
        now: () => clock.now,
        ...extra,
      });
    const jwtFor = (keys: SigningKeyStore) =>
      new JwtService(
        keys,
        { publicUrl: "http://localhost:3000", maxTokenLifetimeSeconds: lifetimes },
        () => clock.now,
      );
    const rows = () => test.store.db.selectFrom("signing_keys").selectAll().orderBy("created_at").execute();
    return { test, clock, make, jwtFor, rows };
  }

  it("creates one ES256 P-256 key per issuer on first use, sealed at rest, kid = RFC 7638 thumbprint", async () => {
    const { make, rows } = await setup();
    const keys = make();
    const developer = await keys.signingKey("developer");
    const vehicle = await keys.signingKey("vehicle");
    expect(developer.kid).not.toBe(vehicle.kid);
    expect(developer.alg).toBe("ES256");

    const stored = await rows();
    expect(stored.map((r) => r.issuer).sort()).toEqual(["developer", "vehicle"]);
    for (const row of stored) {
      const jwk = JSON.parse(row.public_jwk);
      expect(jwk).toMatchObject({ kty: "EC", crv: "P-256", use: "sig", alg: "ES256", kid: row.kid });
      expect(jwk.d).toBeUndefined();
      expect(await calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y })).toBe(row.kid);
      expect(row.private_jwk_enc.startsWith("v1.")).toBe(true);
      expect(row.private_jwk_enc).not.toContain(jwk.x);
      expect(JSON.parse(sealer.open(row.private_jwk_enc)).d).toEqual(expect.any(String));
      expect(row.retired_at).toBeNull();
    }

    // Reused, in this process and by the next one.
    expect((await keys.signingKey("developer")).kid).toBe(developer.kid);
    expect((await make().signingKey("developer")).kid).toBe(developer.kid);
    expect(await rows()).toHaveLength(2);
  });

  it("rotation: the new key signs, old tokens verify and both are published until the old key's tokens have expired", async () => {
    const { make, jwtFor, rows, clock } = await setup();
    const keys = make();
    const jwt = jwtFor(keys);
    const old = await jwt.sign("vehicle", { sub: "a" }, 600);
    const oldKid = (await keys.signingKey("vehicle")).kid;

    const { kid: newKid, retired } = await keys.rotate("vehicle");
    expect(retired).toEqual([oldKid]);
    expect(newKid).not.toBe(oldKid);
    expect((await keys.signingKey("vehicle")).kid).toBe(newKid);
    const fresh = await jwt.sign("vehicle", { sub: "b" }, 600);

    const jwks = await keys.jwks("vehicle");
    expect(jwks.keys.map((k) => k.kid)).toEqual([newKid, oldKid]);
    // A third party with the published JWKS verifies both.
    const local = createLocalJWKSet(jwks);
    const options = { issuer: "http://localhost:3000/roles-rights", currentDate: new Date(clock.now) };
    await expect(jwtVerify(old.token, local, options)).resolves.toBeTruthy();
    await expect(jwtVerify(fresh.token, local, options)).resolves.toBeTruthy();
    await expect(jwt.verify("vehicle", old.token)).resolves.toMatchObject({ sub: "a" });
    await expect(jwt.verify("vehicle", fresh.token)).resolves.toMatchObject({ sub: "b" });

    // Past the longest lifetime plus the margin, the old key is gone from the JWKS and the store.
    clock.now += (600 + 11 * 60) * 1000;
    expect((await keys.jwks("vehicle")).keys.map((k) => k.kid)).toEqual([newKid]);
    expect(await keys.verificationKey("vehicle", oldKid)).toBeUndefined();
    await keys.rotate("vehicle");
    expect((await rows()).map((r) => r.kid)).not.toContain(oldKid);
  });

  it("a rotation made by another replica is picked up: unknown kids at once, the active key on refresh", async () => {
    const { make, jwtFor, clock } = await setup();
    const a = make(undefined, "ES256", { refreshMs: 60_000, unknownKidReloadMs: 0 });
    const b = make(undefined, "ES256", { refreshMs: 60_000, unknownKidReloadMs: 0 });
    const first = (await a.signingKey("developer")).kid;
    expect((await b.signingKey("developer")).kid).toBe(first);

    const { kid: second } = await b.rotate("developer");
    expect((await a.signingKey("developer")).kid).toBe(first); // cached until a refresh
    const token = await jwtFor(b).sign("developer", { sub: "x" }, 60);
    await expect(jwtFor(a).verify("developer", token.token)).resolves.toMatchObject({ sub: "x" });
    expect((await a.signingKey("developer")).kid).toBe(second); // the unknown kid made it re-read

    const { kid: third } = await b.rotate("developer");
    expect((await a.signingKey("developer")).kid).toBe(second);
    clock.now += 60_000;
    expect((await a.signingKey("developer")).kid).toBe(third);
  });

  it("a change of algorithm (ES256 → RS256) makes a new 2048-bit RSA key active and retires the EC key", async () => {
    const { make, rows, jwtFor } = await setup();
    const es = make();
    const esToken = await jwtFor(es).sign("developer", { sub: "es" }, 60);
    const esKid = (await es.signingKey("developer")).kid;

    const rs = make(undefined, "RS256");
    const rsKey = await rs.signingKey("developer");
    expect(rsKey.alg).toBe("RS256");
    expect(rsKey.privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const jwks = await rs.jwks("developer");
    expect(jwks.keys.map((k) => [k.kid, k.alg, k.kty])).toEqual([
      [rsKey.kid, "RS256", "RSA"],
      [esKid, "ES256", "EC"],
    ]);
    const developerRows = (await rows()).filter((r) => r.issuer === "developer");
    expect(developerRows.filter((r) => r.retired_at === null).map((r) => r.kid)).toEqual([rsKey.kid]);
    // Verification is pinned to the configured algorithm: the EC token no longer verifies here.
    await expect(jwtFor(rs).verify("developer", esToken.token)).rejects.toMatchObject({ statusCode: 401 });
    const rsToken = await jwtFor(rs).sign("developer", { sub: "rs" }, 60);
    await expect(jwtFor(rs).verify("developer", rsToken.token)).resolves.toMatchObject({ sub: "rs" });
  });

  // Separate connections need separate processes on SQLite (better-sqlite3 waits for locks synchronously,
  // which in one process would wait on itself); there, replicas share the one connection.
  it("replicas starting together create exactly one active key per issuer", async () => {
    const { test, make, rows } = await setup();
    const stores = Array.from({ length: 4 }, () =>
      test.store.engine === "postgres" ? openStore(test.url, { poolSize: 2 }) : undefined,
    );
    cleanups.push(async () => {
      for (const s of stores) await s?.close();
    });
    const replicas = stores.map((s) => make(s));
    const kids = await Promise.all(
      replicas
        .flatMap((r) => [r.signingKey("developer"), r.signingKey("vehicle")])
        .map(async (p) => (await p).kid),
    );
    const stored = await rows();
    expect(stored.filter((r) => r.retired_at === null)).toHaveLength(2);
    expect(stored).toHaveLength(2);
    const byIssuer = new Map(stored.map((r) => [r.issuer, r.kid]));
    expect(new Set(kids)).toEqual(new Set([byIssuer.get("developer"), byIssuer.get("vehicle")]));
  });
});
