import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from "node:crypto";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from "jose";
import { type Kysely, type Selectable, sql } from "kysely";
import type { Sealer } from "../../secrets.ts";
import { isPostgres } from "../../store/engine.ts";
import type { Database, SigningKeysTable } from "../../store/schema.ts";

/**
 * The JWT signing keys of Keyfob's two issuers (auth-and-tokens.md §5, security.md §7): per issuer
 * one active key of the configured algorithm, created on first use, private half sealed at rest.
 * A rotated or superseded key is retired: it signs nothing more but stays published (and
 * verifiable) until every token it signed has expired, then it is dropped and deleted.
 *
 * Keys are read once and kept in memory as KeyObjects; the table is re-read every `refreshMs` so
 * that a rotation made by another replica is picked up, and at once when a token names an
 * unknown kid.
 */
export type JwtIssuer = "developer" | "vehicle";
export type JwtAlg = "ES256" | "RS256";

export const JWT_ISSUERS: readonly JwtIssuer[] = ["developer", "vehicle"];

/** The public members of a published key, as served in a JWKS. */
export interface PublicJwk {
  kty: string;
  kid: string;
  use: "sig";
  alg: JwtAlg;
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
}

/** The active key of an issuer, ready to sign. */
export interface SigningKey {
  kid: string;
  alg: JwtAlg;
  privateKey: KeyObject;
}

/** A published key, ready to verify. */
export interface VerificationKey {
  kid: string;
  alg: JwtAlg;
  publicKey: KeyObject;
}

export interface SigningKeyStoreOptions {
  alg: JwtAlg;
  /** The longest lifetime of a token each issuer signs, in seconds; retired keys stay published that long plus a margin. */
  maxTokenLifetimeSeconds: Record<JwtIssuer, number>;
  now?: () => number;
  /** How often the table is re-read for rotations made elsewhere (default 60 s). */
  refreshMs?: number;
  /** Least time between two re-reads caused by unknown kids (default 5 s): random kids must not flood the database. */
  unknownKidReloadMs?: number;
}

interface PublishedKey extends VerificationKey {
  issuer: JwtIssuer;
  jwk: PublicJwk;
  activatedAt: number;
  retiredAt: number | null;
  sealedPrivateKey: string;
}

interface NewKey {
  kid: string;
  alg: JwtAlg;
  publicJwk: PublicJwk;
  sealedPrivateKey: string;
}

interface IssuerKeys {
  /** Order of the reads: a slow older read never replaces a newer one. */
  seq: number;
  loadedAt: number;
  keys: PublishedKey[];
}

const DEFAULT_REFRESH_MS = 60_000;
const DEFAULT_UNKNOWN_KID_RELOAD_MS = 5_000;
/**
 * Covers the skew allowed at verification (60 s), a replica that keeps signing with a key retired
 * elsewhere until its next refresh, and slow clocks: a retired key outlives its last token by this much.
 */
const RETENTION_MARGIN_MS = 10 * 60_000;
// Advisory-lock namespace ("kf") on PostgreSQL; the second key is the issuer.
const PG_LOCK_NAMESPACE = 0x6b66;

export class SigningKeyStore {
  private readonly issuers = new Map<JwtIssuer, IssuerKeys>();
  private readonly loading = new Map<JwtIssuer, Promise<IssuerKeys>>();
  private readonly unsealed = new Map<string, SigningKey>();
  private loads = 0;
  private readonly now: () => number;
  private readonly refreshMs: number;
  private readonly unknownKidReloadMs: number;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly sealer: Sealer,
    private readonly options: SigningKeyStoreOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.refreshMs = options.refreshMs ?? DEFAULT_REFRESH_MS;
    this.unknownKidReloadMs = options.unknownKidReloadMs ?? DEFAULT_UNKNOWN_KID_RELOAD_MS;
  }

  get alg(): JwtAlg {
    return this.options.alg;
  }

  /** How long a retired key of this issuer stays published. */
  retentionMs(issuer: JwtIssuer): number {
    return this.options.maxTokenLifetimeSeconds[issuer] * 1000 + RETENTION_MARGIN_MS;
  }

  /** The issuer's active key; creates one (once across every replica) when there is none of the configured algorithm. */
  async signingKey(issuer: JwtIssuer): Promise<SigningKey> {
    let state = await this.current(issuer);
    let key = this.activeIn(state);
    if (!key) {
      await this.ensureActive(issuer);
      state = await this.load(issuer); // not a read that may have started before the insert
      key = this.activeIn(state);
      if (!key) throw new Error(`No active ${this.options.alg} signing key for the ${issuer} issuer.`);
    }
    return this.unseal(key);
  }

  /** A published key of this issuer by kid, or undefined: only our own keys ever verify. */
  async verificationKey(issuer: JwtIssuer, kid: string): Promise<VerificationKey | undefined> {
    let state = await this.current(issuer);
    let key = this.publishedIn(state).find((k) => k.kid === kid);
    if (!key && this.now() - state.loadedAt >= this.unknownKidReloadMs) {
      state = await this.reload(issuer);
      key = this.publishedIn(state).find((k) => k.kid === kid);
    }
    return key && { kid: key.kid, alg: key.alg, publicKey: key.publicKey };
  }

  /** The issuer's JWKS: the active key first, then retired keys whose tokens may still be live. */
  async jwks(issuer: JwtIssuer): Promise<{ keys: PublicJwk[] }> {
    await this.signingKey(issuer);
    const state = await this.current(issuer);
    return { keys: this.publishedIn(state).map((k) => k.jwk) };
  }

  /** Loads (and if needed creates) the keys of every issuer: done at start-up so the first request does not pay for it. */
  async warm(): Promise<void> {
    for (const issuer of JWT_ISSUERS) await this.signingKey(issuer);
  }

  /**
   * Publishes a new active key and retires the current one. Tokens signed by the old key keep
   * verifying (and the key stays in the JWKS) until they have all expired.
   */
  async rotate(issuer: JwtIssuer): Promise<{ kid: string; retired: string[] }> {
    const key = await this.generateKey();
    const result = await this.locked(issuer, async (trx, now) => {
      const retired = await this.retireAll(trx, issuer, now);
      await this.insertKey(trx, issuer, key, now);
      return { kid: key.kid, retired };
    });
    await this.load(issuer);
    return result;
  }

  private async current(issuer: JwtIssuer): Promise<IssuerKeys> {
    const state = this.issuers.get(issuer);
    if (state && this.now() - state.loadedAt < this.refreshMs) return state;
    return this.reload(issuer);
  }

  private reload(issuer: JwtIssuer): Promise<IssuerKeys> {
    const pending = this.loading.get(issuer);
    if (pending) return pending;
    const promise = this.load(issuer).finally(() => this.loading.delete(issuer));
    this.loading.set(issuer, promise);
    return promise;
  }

  private async load(issuer: JwtIssuer): Promise<IssuerKeys> {
    const seq = ++this.loads;
    const loadedAt = this.now();
    const rows = await this.db
      .selectFrom("signing_keys")
      .selectAll()
      .where("issuer", "=", issuer)
      .where((eb) =>
        eb.or([eb("retired_at", "is", null), eb("retired_at", ">", loadedAt - this.retentionMs(issuer))]),
      )
      .orderBy("activated_at", "desc")
      .orderBy("kid", "asc")
      .execute();
    const previous = new Map((this.issuers.get(issuer)?.keys ?? []).map((k) => [k.kid, k]));
    const keys = rows.map((row) => {
      const known = previous.get(row.kid);
      return known ? { ...known, retiredAt: row.retired_at } : toPublishedKey(row);
    });
    const state = { seq, loadedAt, keys };
    const newer = this.issuers.get(issuer);
    if (!newer || newer.seq < seq) this.issuers.set(issuer, state);
    return state;
  }

  /** The key that signs now: configured algorithm, activated, not retired; the newest such. */
  private activeIn(state: IssuerKeys): PublishedKey | undefined {
    const now = this.now();
    return state.keys.find(
      (k) =>
        k.alg === this.options.alg && k.activatedAt <= now && (k.retiredAt === null || k.retiredAt > now),
    );
  }

  private publishedIn(state: IssuerKeys): PublishedKey[] {
    const now = this.now();
    const active = this.activeIn(state);
    const live = state.keys.filter(
      (k) => k !== active && (k.retiredAt === null || k.retiredAt > now - this.retentionMs(k.issuer)),
    );
    return active ? [active, ...live] : live;
  }

  private unseal(key: PublishedKey): SigningKey {
    const cached = this.unsealed.get(key.kid);
    if (cached) return cached;
    const jwk = JSON.parse(this.sealer.open(key.sealedPrivateKey)) as JWK;
    const signing = {
      kid: key.kid,
      alg: key.alg,
      privateKey: createPrivateKey({ key: jwk as JsonWebKey, format: "jwk" }),
    };
    this.unsealed.set(key.kid, signing);
    return signing;
  }

  /** Creates the active key unless another process did so first (checked again under the lock). */
  private async ensureActive(issuer: JwtIssuer): Promise<void> {
    // Generated before taking the lock (an RSA key takes a while); wasted if another process won.
    const key = await this.generateKey();
    await this.locked(issuer, async (trx, now) => {
      const active = await trx
        .selectFrom("signing_keys")
        .select("kid")
        .where("issuer", "=", issuer)
        .where("alg", "=", this.options.alg)
        .where("activated_at", "<=", now)
        .where((eb) => eb.or([eb("retired_at", "is", null), eb("retired_at", ">", now)]))
        .executeTakeFirst();
      if (active) return;
      // A key of another algorithm (the setting changed) is retired, not deleted: its tokens stay verifiable elsewhere.
      await this.retireAll(trx, issuer, now);
      await this.insertKey(trx, issuer, key, now);
    });
  }

  private async retireAll(trx: Kysely<Database>, issuer: JwtIssuer, now: number): Promise<string[]> {
    const rows = await trx
      .updateTable("signing_keys")
      .set({ retired_at: now })
      .where("issuer", "=", issuer)
      .where((eb) => eb.or([eb("retired_at", "is", null), eb("retired_at", ">", now)]))
      .returning("kid")
      .execute();
    await trx
      .deleteFrom("signing_keys")
      .where("issuer", "=", issuer)
      .where("retired_at", "is not", null)
      .where("retired_at", "<=", now - this.retentionMs(issuer))
      .execute();
    return rows.map((r) => r.kid);
  }

  private async generateKey(): Promise<NewKey> {
    const alg = this.options.alg;
    const pair = await generateKeyPair(alg, {
      extractable: true,
      ...(alg === "RS256" ? { modulusLength: 2048 } : {}),
    });
    const publicJwk = await exportJWK(pair.publicKey);
    const kid = await calculateJwkThumbprint(publicJwk, "sha256");
    return {
      kid,
      alg,
      publicJwk: publicMembers(publicJwk, kid, alg),
      sealedPrivateKey: this.sealer.seal(JSON.stringify(await exportJWK(pair.privateKey))),
    };
  }

  private async insertKey(trx: Kysely<Database>, issuer: JwtIssuer, key: NewKey, now: number): Promise<void> {
    await trx
      .insertInto("signing_keys")
      .values({
        kid: key.kid,
        issuer,
        alg: key.alg,
        public_jwk: JSON.stringify(key.publicJwk),
        private_jwk_enc: key.sealedPrivateKey,
        created_at: now,
        activated_at: now,
        retired_at: null,
      })
      .execute();
  }

  /**
   * Runs `fn` in a transaction that holds the issuer's key lock: an advisory lock on PostgreSQL,
   * the database write lock on SQLite (BEGIN IMMEDIATE), so replicas starting together serialize.
   */
  private async locked<T>(
    issuer: JwtIssuer,
    fn: (trx: Kysely<Database>, now: number) => Promise<T>,
  ): Promise<T> {
    const postgres = isPostgres(this.db);
    return this.db.connection().execute(async (conn) => {
      await sql.raw(postgres ? "begin" : "begin immediate").execute(conn);
      try {
        if (postgres) {
          await sql`select pg_advisory_xact_lock(${PG_LOCK_NAMESPACE}::int4, ${JWT_ISSUERS.indexOf(issuer)}::int4)`.execute(
            conn,
          );
        }
        const result = await fn(conn, this.now());
        await sql.raw("commit").execute(conn);
        return result;
      } catch (err) {
        await sql
          .raw("rollback")
          .execute(conn)
          .catch(() => {});
        throw err;
      }
    });
  }
}

function publicMembers(jwk: JWK, kid: string, alg: JwtAlg): PublicJwk {
  const base = { kty: jwk.kty!, use: "sig" as const, alg, kid };
  return jwk.kty === "EC"
    ? { ...base, crv: jwk.crv!, x: jwk.x!, y: jwk.y! }
    : { ...base, n: jwk.n!, e: jwk.e! };
}

function toPublishedKey(row: Selectable<SigningKeysTable>): PublishedKey {
  const jwk = JSON.parse(row.public_jwk) as PublicJwk;
  return {
    kid: row.kid,
    issuer: row.issuer as JwtIssuer,
    alg: row.alg as JwtAlg,
    jwk,
    publicKey: createPublicKey({ key: { ...jwk }, format: "jwk" }),
    activatedAt: Number(row.activated_at),
    retiredAt: row.retired_at === null ? null : Number(row.retired_at),
    sealedPrivateKey: row.private_jwk_enc,
  };
}
