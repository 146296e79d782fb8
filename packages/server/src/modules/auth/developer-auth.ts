import { randomBytes, randomInt } from "node:crypto";
import type { Kysely, Selectable } from "kysely";
import { recoverMessageAddress } from "viem/utils";
import { type Address, checksumAddress, isHexAddress, parseAddress } from "../../domain/address.ts";
import { buildChallenge } from "../../domain/siwe.ts";
import { encodeSubject } from "../../domain/subject.ts";
import { HttpError } from "../../http/errors.ts";
import type { AuthChallengesTable, Database } from "../../store/schema.ts";
import type { LicenseService } from "../licenses/service.ts";
import { type DeveloperIdentity, type JwtService, type SignedJwt, verifyDeveloperJwt } from "./jwt.ts";

/**
 * Developer auth, the web3 challenge of dex (auth-and-tokens.md §3): `generate_challenge` checks
 * the request step by step and stores a SIWE message for 10 minutes; `submit_challenge` consumes
 * it, checks the signer and issues the developer JWT. Also issues user JWTs for the login app (§4).
 */
export const CHALLENGE_TTL_MS = 10 * 60_000;
const NONCE_LENGTH = 30;
const NONCE_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const PURGE_INTERVAL_MS = 60_000;
// A license is never burnt, so a positive look-up may be reused; a short TTL still bounds surprises.
const LICENSE_CACHE_MS = 60_000;
const LICENSE_CACHE_LIMIT = 10_000;

/** An error of `/auth/web3/*`: dex's `{status, message}` plus Keyfob's `code`. */
export class Web3AuthError extends HttpError {
  constructor(status: number, message: string) {
    super(status, message, { status });
  }
}

/** Parameters of both endpoints, from the query string and the form body (the body wins, as in Go's r.Form). */
export type Web3Params = Partial<
  Record<
    "client_id" | "domain" | "scope" | "response_type" | "address" | "grant_type" | "state" | "signature",
    string
  >
>;

export interface ChallengeResponse {
  state: string;
  challenge: string;
}

export interface TokenResponse {
  access_token: string;
  token_type: "bearer";
  expires_in: number;
  id_token: string;
}

interface ChallengeRequest {
  clientId: Address;
  domain: string;
  address: Address;
}

export class DeveloperAuthService {
  private lastPurge = 0;
  private readonly knownLicenses = new Map<Address, number>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly licenses: LicenseService,
    private readonly jwt: JwtService,
    private readonly settings: { publicUrl: string; developerJwtTtlSeconds: number },
    private readonly now: () => number = Date.now,
  ) {}

  /** `POST /auth/web3/generate_challenge`. */
  async generateChallenge(params: Web3Params): Promise<ChallengeResponse> {
    const request = await this.checkChallengeRequest(params);
    await this.purgeExpiredChallenges();
    const state = randomBytes(18).toString("base64url");
    const challenge = buildChallenge({
      issuerUrl: this.jwt.issuers.developer,
      address: request.address,
      domain: request.domain,
      nonce: randomNonce(),
      issuedAt: new Date(this.now()),
    });
    await this.db
      .insertInto("auth_challenges")
      .values({
        state,
        client_id: request.clientId,
        domain: request.domain,
        address: request.address,
        challenge,
        expires_at: this.now() + CHALLENGE_TTL_MS,
      })
      .execute();
    return { state, challenge };
  }

  /** The checks of generate_challenge in dex's order; each fails with its own status and message. */
  private async checkChallengeRequest(params: Web3Params): Promise<ChallengeRequest> {
    const clientId = await this.resolveClient(params.client_id ?? "");
    const domain = await this.checkRedirectUri(clientId, params.domain ?? "");
    checkScope(params.scope ?? "");
    checkResponseType(params.response_type ?? "");
    const address = parseAddress(params.address);
    if (!address) throw new Web3AuthError(400, "Invalid Ethereum address.");
    return { clientId, domain, address };
  }

  private async resolveClient(clientId: string): Promise<Address> {
    const license = await this.licenses.find(clientId);
    if (!license) throw new Web3AuthError(404, `Invalid client_id (${JSON.stringify(clientId)}).`);
    return license.clientId;
  }

  private async checkRedirectUri(clientId: Address, domain: string): Promise<string> {
    if (domain === "") throw new Web3AuthError(400, "No redirect_uri provided.");
    if (!(await this.licenses.hasRedirectUri(clientId, domain))) {
      throw new Web3AuthError(400, `Unregistered redirect_uri (${JSON.stringify(domain)}).`);
    }
    return domain;
  }

  /** `POST /auth/web3/submit_challenge`. The challenge is consumed whatever the outcome. */
  async submitChallenge(params: Web3Params): Promise<TokenResponse> {
    const challenge = await this.consumeChallenge(params.state ?? "");
    if (challenge.expires_at <= this.now()) throw new Web3AuthError(400, "User session has expired.");
    if (!sameClient(params.client_id, challenge.client_id) || params.domain !== challenge.domain) {
      throw new Web3AuthError(400, "redirect_uri did not match URI from initial request.");
    }
    const address = checksumAddress(challenge.address);
    await this.checkSigner(address, challenge.challenge, params.signature ?? "");
    const { token, expiresIn } = await this.issueDeveloperJwt(address, checksumAddress(challenge.client_id));
    return { access_token: token, token_type: "bearer", expires_in: expiresIn, id_token: token };
  }

  /** Deletes and returns the pending challenge in one statement, so two submissions cannot both use it. */
  private async consumeChallenge(state: string): Promise<Selectable<AuthChallengesTable>> {
    const row =
      state === ""
        ? undefined
        : await this.db
            .deleteFrom("auth_challenges")
            .where("state", "=", state)
            .returningAll()
            .executeTakeFirst();
    if (!row) throw new Web3AuthError(400, "Requested resource does not exist.");
    return { ...row, expires_at: Number(row.expires_at) };
  }

  /**
   * Signer rules (§3.3): the address signed for itself, or the address is a license and the
   * signer is one of its enabled, unexpired API keys. Anything else, malformed signatures
   * included, is `Could not verify signature.`
   */
  private async checkSigner(address: Address, message: string, signature: string): Promise<void> {
    const recovered = await recoverSigner(message, signature);
    if (recovered === address) return;
    if (recovered && (await this.licenses.isEnabledSigner(address, recovered))) return;
    throw new Web3AuthError(400, "Could not verify signature.");
  }

  /** The developer JWT (§3.4): identity = `address`, audience = the clientId the challenge was made for. */
  issueDeveloperJwt(address: Address, clientId: Address): Promise<SignedJwt> {
    return this.issueWeb3Jwt(address, clientId);
  }

  /** The user JWT of the login app (§4): same claims, `ethereum_address` = the user's wallet, `aud` = the clientId. */
  issueUserJwt(input: { clientId: string; walletAddress: string }): Promise<SignedJwt> {
    return this.issueWeb3Jwt(checksumAddress(input.walletAddress), checksumAddress(input.clientId));
  }

  private issueWeb3Jwt(address: Address, audience: Address): Promise<SignedJwt> {
    return this.jwt.sign(
      "developer",
      {
        sub: encodeSubject({ userId: address, connId: "web3" }),
        aud: audience,
        provider_id: "web3",
        email_verified: false,
        ethereum_address: address,
      },
      this.settings.developerJwtTtlSeconds,
    );
  }

  /** For token exchange and vehicle triggers: see `verifyDeveloperJwt` in jwt.ts for the rules and errors. */
  verifyDeveloperJwt(token: string): Promise<DeveloperIdentity> {
    return verifyDeveloperJwt({ jwt: this.jwt, isLicense: (clientId) => this.isLicense(clientId) }, token);
  }

  private async isLicense(clientId: Address): Promise<boolean> {
    const seen = this.knownLicenses.get(clientId);
    if (seen !== undefined && this.now() - seen < LICENSE_CACHE_MS) return true;
    const exists = !!(await this.licenses.find(clientId));
    if (exists) {
      if (this.knownLicenses.size >= LICENSE_CACHE_LIMIT) this.knownLicenses.clear();
      this.knownLicenses.set(clientId, this.now());
    }
    return exists;
  }

  /** Deletes expired challenges, at most once a minute (called from generate_challenge). */
  async purgeExpiredChallenges(force = false): Promise<number> {
    const now = this.now();
    if (!force && now - this.lastPurge < PURGE_INTERVAL_MS) return 0;
    this.lastPurge = now;
    const result = await this.db
      .deleteFrom("auth_challenges")
      .where("expires_at", "<=", now)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function checkScope(scope: string): void {
  if (!scope.split(/\s+/).includes("openid"))
    throw new Web3AuthError(400, 'Missing required scope(s) ["openid"].');
}

function checkResponseType(responseType: string): void {
  const types = responseType.split(/\s+/).filter(Boolean);
  const bad = types.length === 0 ? "" : types.find((t) => t !== "code");
  if (bad !== undefined) throw new Web3AuthError(400, `Invalid response type ${JSON.stringify(bad)}`);
}

function sameClient(given: string | undefined, stored: string): boolean {
  return typeof given === "string" && isHexAddress(given) && given.toLowerCase() === stored.toLowerCase();
}

/** 30 characters of [0-9A-Za-z], uniformly from the CSPRNG. */
function randomNonce(): string {
  let nonce = "";
  for (let i = 0; i < NONCE_LENGTH; i++) nonce += NONCE_ALPHABET[randomInt(NONCE_ALPHABET.length)];
  return nonce;
}

/** EIP-191 signer of `message`, or undefined for anything that is not a valid 65-byte signature (v 27/28 or 0/1). */
async function recoverSigner(message: string, signature: string): Promise<Address | undefined> {
  const hex = signature.startsWith("0x") || signature.startsWith("0X") ? signature.slice(2) : signature;
  if (!/^[0-9a-fA-F]{130}$/.test(hex)) return undefined;
  try {
    return await recoverMessageAddress({ message, signature: `0x${hex}` });
  } catch {
    return undefined;
  }
}
