import { sign as signBytes } from "node:crypto";
import { errors, type JWTHeaderParameters, type JWTPayload, jwtVerify } from "jose";
import { type Address, checksumAddress, isHexAddress } from "../../domain/address.ts";
import { decodeSubject, SubjectDecodeError } from "../../domain/subject.ts";
import { HttpError } from "../../http/errors.ts";
import type { JwtIssuer, SigningKey, SigningKeyStore } from "./signing-keys.ts";

/**
 * Signing and verifying Keyfob's JWTs (security.md §7): one configured algorithm, our own keys
 * only (`kid` resolved in the key store; `jku`/`x5u`/`jwk` headers never followed), the exact
 * issuer per token kind, `exp`/`iat` with at most 60 s of skew.
 */
export const VEHICLE_JWT_TTL_SECONDS = 600;
export const JWT_CLOCK_SKEW_SECONDS = 60;
const MAX_JWT_LENGTH = 8 * 1024;

/** `iss` of each issuer: the developer/user issuer is the public URL, the vehicle issuer lives under /roles-rights. */
export function issuerUrl(publicUrl: string, issuer: JwtIssuer): string {
  return issuer === "developer" ? publicUrl : `${publicUrl}/roles-rights`;
}

/** The longest lifetime of a token each issuer signs (developer and user JWTs share the developer TTL). */
export function maxTokenLifetimes(config: { developerJwtTtlSeconds: number }): Record<JwtIssuer, number> {
  return { developer: config.developerJwtTtlSeconds, vehicle: VEHICLE_JWT_TTL_SECONDS };
}

/** Missing, malformed, expired or badly signed JWT: always 401 JSON in Keyfob (official: partly plain text). */
export class InvalidJwtError extends HttpError {
  constructor(
    message = "Invalid or expired JWT",
    /** Why, for logs and tests; never sent. */
    readonly reason = "invalid",
  ) {
    super(401, message);
  }
}

/** A developer JWT that verified but does not stand for a developer license (auth-and-tokens.md §7.2, §7.4). */
export class DeveloperJwtError extends HttpError {}

export interface SignedJwt {
  token: string;
  /** Seconds. */
  issuedAt: number;
  expiresAt: number;
  expiresIn: number;
}

/** Registered claims the signer sets itself. */
type OwnClaims = { iss?: never; iat?: never; exp?: never };

// Verified tokens remembered by their exact bytes: a backend reuses its developer JWT for hours,
// and an ECDSA verification costs several times the rest of a token exchange.
const VERIFIED_CACHE_LIMIT = 10_000;

interface VerifiedToken {
  payload: JWTPayload;
  kid: string;
}

export class JwtService {
  readonly issuers: Record<JwtIssuer, string>;
  private verified = new Map<string, VerifiedToken>();

  constructor(
    private readonly keys: SigningKeyStore,
    private readonly settings: { publicUrl: string; maxTokenLifetimeSeconds: Record<JwtIssuer, number> },
    private readonly now: () => number = Date.now,
  ) {
    this.issuers = {
      developer: issuerUrl(settings.publicUrl, "developer"),
      vehicle: issuerUrl(settings.publicUrl, "vehicle"),
    };
  }

  get alg(): string {
    return this.keys.alg;
  }

  /** Signs `{iss, ...claims, iat, exp}` with the issuer's active key. */
  async sign(
    issuer: JwtIssuer,
    claims: Record<string, unknown> & OwnClaims,
    ttlSeconds: number,
  ): Promise<SignedJwt> {
    const key = await this.keys.signingKey(issuer);
    const issuedAt = Math.floor(this.now() / 1000);
    const expiresAt = issuedAt + ttlSeconds;
    const token = signCompactJwt(key, {
      iss: this.issuers[issuer],
      ...claims,
      iat: issuedAt,
      exp: expiresAt,
    });
    return { token, issuedAt, expiresAt, expiresIn: ttlSeconds };
  }

  /** Verifies a JWT of this issuer and returns its claims; throws InvalidJwtError for anything wrong with it. */
  async verify(issuer: JwtIssuer, token: string): Promise<JWTPayload> {
    if (typeof token !== "string" || token.length === 0 || token.length > MAX_JWT_LENGTH) {
      throw new InvalidJwtError(undefined, "malformed");
    }
    const cacheKey = `${issuer} ${token}`;
    const hit = this.verified.get(cacheKey);
    if (hit) {
      // Same bytes, same signature: only the time-dependent checks and the key's presence can change.
      const nowS = Math.floor(this.now() / 1000);
      const { exp, iat } = hit.payload as { exp: number; iat: number };
      const key = await this.keys.verificationKey(issuer, hit.kid);
      if (
        key &&
        exp + JWT_CLOCK_SKEW_SECONDS > nowS &&
        nowS - iat <= this.settings.maxTokenLifetimeSeconds[issuer] + JWT_CLOCK_SKEW_SECONDS
      ) {
        return hit.payload;
      }
      this.verified.delete(cacheKey);
    }
    const payload = await this.verifyFully(issuer, token);
    if (this.verified.size >= VERIFIED_CACHE_LIMIT) this.verified = new Map();
    const kid = JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString("utf8")).kid as string;
    this.verified.set(cacheKey, { payload, kid });
    return payload;
  }

  private async verifyFully(issuer: JwtIssuer, token: string): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(token, (header) => this.resolveKey(issuer, header), {
        algorithms: [this.keys.alg],
        issuer: this.issuers[issuer],
        clockTolerance: JWT_CLOCK_SKEW_SECONDS,
        // Also makes `iat` required and rejects one more than the skew in the future.
        maxTokenAge: this.settings.maxTokenLifetimeSeconds[issuer],
        requiredClaims: ["exp", "iat"],
        currentDate: new Date(this.now()),
      });
      return payload;
    } catch (err) {
      if (err instanceof InvalidJwtError) throw err;
      if (err instanceof errors.JOSEError) throw new InvalidJwtError(undefined, err.code);
      throw err;
    }
  }

  /** Only a kid of our own store, with the algorithm it was made for. Embedded or remote keys are never consulted. */
  private async resolveKey(issuer: JwtIssuer, header: JWTHeaderParameters) {
    if (typeof header.kid !== "string") throw new InvalidJwtError(undefined, "no kid");
    const key = await this.keys.verificationKey(issuer, header.kid);
    if (!key || key.alg !== header.alg) throw new InvalidJwtError(undefined, "unknown kid");
    return key.publicKey;
  }
}

/** Compact JWS over the JSON of `payload`, signed with node:crypto (a KeyObject imported once: fast). */
export function signCompactJwt(key: SigningKey, payload: Record<string, unknown>): string {
  const header = base64url(JSON.stringify({ alg: key.alg, kid: key.kid, typ: "JWT" }));
  const input = `${header}.${base64url(JSON.stringify(payload))}`;
  const signature = signBytes(
    "sha256",
    Buffer.from(input),
    key.alg === "ES256" ? { key: key.privateKey, dsaEncoding: "ieee-p1363" } : key.privateKey,
  );
  return `${input}.${signature.toString("base64url")}`;
}

function base64url(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}

/** The token of an `Authorization: Bearer <token>` header; 401 when there is none. */
export function bearerToken(header: string | undefined): string {
  const match = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(header ?? "");
  if (!match) throw new InvalidJwtError("Missing or malformed JWT", "missing");
  return match[1]!;
}

/** Who a developer JWT speaks for. */
export interface DeveloperIdentity {
  /** Checksummed clientId of the license (the decoded `sub`). */
  clientId: Address;
  /** Checksummed `ethereum_address`; equal to clientId. */
  ethereumAddress: Address;
  claims: JWTPayload;
}

/**
 * Verifies a developer JWT as token exchange and vehicle triggers accept it (auth-and-tokens.md
 * §7.2): signature and claims (401), `sub` decodes to a license clientId (400 / 403), and
 * `ethereum_address` is that same address (401 / 403) — the equality the official services skip.
 */
export async function verifyDeveloperJwt(
  deps: { jwt: JwtService; isLicense: (clientId: Address) => Promise<boolean> },
  token: string,
): Promise<DeveloperIdentity> {
  const claims = await deps.jwt.verify("developer", token);
  if (typeof claims.sub !== "string" || claims.sub === "") {
    throw new DeveloperJwtError(400, "failed to get subject from token claims");
  }
  let userId: string;
  try {
    userId = decodeSubject(claims.sub).userId;
  } catch (err) {
    if (err instanceof SubjectDecodeError) throw new DeveloperJwtError(400, err.message);
    throw err;
  }
  if (!isHexAddress(userId)) throw new DeveloperJwtError(400, "user id is not valid hex address");
  const clientId = checksumAddress(userId);
  if (!(await deps.isLicense(clientId))) throw new DeveloperJwtError(403, `not a dev license: ${userId}`);
  const claimed = claims.ethereum_address;
  if (claimed === undefined || claimed === null || claimed === "") {
    throw new DeveloperJwtError(401, "No Ethereum address claim found.");
  }
  if (!isHexAddress(claimed))
    throw new DeveloperJwtError(401, "Ethereum address claim is not a valid hex address.");
  const ethereumAddress = checksumAddress(claimed);
  if (ethereumAddress !== clientId) throw new DeveloperJwtError(403, `not a dev license: ${claimed}`);
  // Our developer JWTs are issued to the license itself: a token meant for another audience is not one.
  const audiences = typeof claims.aud === "string" ? [claims.aud] : (claims.aud ?? []);
  if (!audiences.some((aud) => aud.toLowerCase() === clientId.toLowerCase())) {
    throw new InvalidJwtError(undefined, "audience");
  }
  return { clientId, ethereumAddress, claims };
}

/** The claims of a vehicle JWT (auth-and-tokens.md §7.3). */
export interface VehicleJwtClaims extends JWTPayload {
  sub: string;
  aud: string[];
  asset: string;
  permissions: string[];
  cloud_events: { events: Array<{ event_type: string; source: string; ids: string[]; tags: string[] }> };
  contract_address: string;
  token_id: string;
  privilege_ids: number[];
}

/** Verifies a vehicle JWT for a vehicle API: our vehicle issuer, `aud` containing `dimo.zone` (security.md §7). */
export async function verifyVehicleJwt(jwt: JwtService, token: string): Promise<VehicleJwtClaims> {
  const claims = await jwt.verify("vehicle", token);
  const aud = typeof claims.aud === "string" ? [claims.aud] : (claims.aud ?? []);
  if (!aud.includes("dimo.zone")) throw new InvalidJwtError(undefined, "audience");
  if (typeof claims.asset !== "string" || !Array.isArray(claims.permissions))
    throw new InvalidJwtError(undefined, "claims");
  return claims as VehicleJwtClaims;
}
