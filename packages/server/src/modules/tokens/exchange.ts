import { z } from "zod";
import { type Address, checksumAddress, isHexAddress } from "../../domain/address.ts";
import { type Erc721Did, formatErc721Did, InvalidDidError, parseErc721Did } from "../../domain/did.ts";
import {
  isPrivilegeId,
  type PrivilegeId,
  privilegeIdFromName,
  privilegeName,
} from "../../domain/privileges.ts";
import { DocumentVerificationError, verifySignedDocument } from "../../domain/sacd-document.ts";
import { HttpError } from "../../http/errors.ts";
import {
  bearerToken,
  type DeveloperIdentity,
  type JwtService,
  VEHICLE_JWT_TTL_SECONDS,
} from "../auth/jwt.ts";
import type { Grant, GrantService } from "../grants/service.ts";

/**
 * Token exchange (auth-and-tokens.md §7): a developer JWT and a request for privileges on one
 * vehicle become a 10-minute vehicle JWT. The flow is a list of small named steps; each fails
 * with its wire status and message as `{code, message}`.
 */
export class TokenExchangeError extends HttpError {
  constructor(status: number, message: string, cause?: unknown) {
    super(status, message);
    if (cause !== undefined) this.cause = cause;
  }
}

export interface TokenExchangeSettings {
  chainId: number;
  vehicleContract: Address;
}

/** Requests for cloud events, missing fields already defaulted to `*`. */
export interface CloudEventRequest {
  eventType: string;
  source: string;
  ids: string[];
  tags: string[];
}

/** The request once resolved: one vehicle, privilege ids, cloud events and the audience. */
export interface ExchangeRequest {
  asset: Erc721Did & { did: string };
  privileges: PrivilegeId[];
  /** Permission names that name no privilege: officially a 403 "lacks permissions". */
  unknownPermissions: string[];
  cloudEvents: CloudEventRequest[];
  audience: string[];
}

const GLOBAL = "*";
const DEFAULT_AUDIENCE = ["dimo.zone"];

// Both body forms of §7.1 (current and deprecated); JSON null counts as absent, as in Go.
const eventFilterSchema = z.object({
  eventType: z.string().nullish(),
  source: z.string().nullish(),
  ids: z.array(z.string()).nullish(),
  tags: z.array(z.string()).nullish(),
});
const exchangeBodySchema = z.object({
  asset: z.string().nullish(),
  permissions: z.array(z.string()).nullish(),
  cloudEvents: z.object({ events: z.array(eventFilterSchema).nullish() }).nullish(),
  audience: z.array(z.string()).nullish(),
  tokenId: z.number().int().nullish(),
  privileges: z.array(z.number().int()).nullish(),
  nftContractAddress: z.string().nullish(),
});
export type ExchangeBody = z.infer<typeof exchangeBodySchema>;

// Identical requests within one second get the same token: its claims (iat included) would be
// identical anyway, and a backend polling a vehicle then costs no signature. Keyed by the grant
// cache generation, so nothing signed before a grant change is handed out after it.
interface RecentToken {
  token: string;
  issuedAt: number;
}

export class TokenExchangeService {
  private recent = new Map<string, RecentToken>();
  private recentSecond = 0;

  constructor(
    private readonly deps: {
      developerAuth: { verifyDeveloperJwt(token: string): Promise<DeveloperIdentity> };
      grants: GrantService;
      jwt: JwtService;
      settings: TokenExchangeSettings;
      now?: () => number;
    },
  ) {}

  /** `POST /v1/tokens/exchange`. */
  async exchange(input: { authorization: string | undefined; body: unknown }): Promise<{ token: string }> {
    const developer = await this.authenticate(input.authorization);
    const request = resolveExchangeRequest(parseExchangeBody(input.body), this.deps.settings);
    const grant = await this.authorize(developer.ethereumAddress, request);
    if (grant && request.cloudEvents.length > 0)
      await this.checkCloudEventAgreements(grant, developer.ethereumAddress, request);
    return { token: await this.signVehicleJwt(developer, request) };
  }

  /** Steps 1–3 of §7.2: a valid developer JWT whose subject is a license and whose address is that license. */
  private authenticate(authorization: string | undefined): Promise<DeveloperIdentity> {
    return this.deps.developerAuth.verifyDeveloperJwt(bearerToken(authorization));
  }

  /**
   * Step 4 (§6.4 steps 1–3): the owner holds everything; otherwise the active grant's bits must
   * hold every requested privilege. Returns the grant a non-owner relies on.
   */
  private async authorize(grantee: Address, request: ExchangeRequest): Promise<Grant | undefined> {
    const { asset, privileges, unknownPermissions } = request;
    let decision: Awaited<ReturnType<GrantService["evaluate"]>>;
    try {
      decision = await this.deps.grants.evaluate(asset.tokenId, grantee, privileges);
    } catch (err) {
      throw new TokenExchangeError(500, "Failed to get permission record", err);
    }
    if (!decision.allowed && decision.reason === "no-vehicle") {
      throw new TokenExchangeError(404, `No vehicle with token id ${asset.tokenId}.`);
    }
    if (unknownPermissions.length > 0) throw lacksPermissions(grantee, asset.did, unknownPermissions);
    if (!decision.allowed) {
      if (decision.missing.length > 0) throw lacksPermissions(grantee, asset.did, decision.missing);
      throw new TokenExchangeError(403, "failed to evaluate cloudevents");
    }
    return decision.reason === "grant" ? decision.grant : undefined;
  }

  /** §6.4 step 4: cloud events need the grant's signed document, verified, to cover each request. */
  private async checkCloudEventAgreements(
    grant: Grant,
    grantee: Address,
    request: ExchangeRequest,
  ): Promise<void> {
    const cid = grant.source.startsWith("ipfs://") ? grant.source.slice("ipfs://".length) : "";
    const text = cid === "" ? undefined : await this.deps.grants.document(cid);
    if (text === undefined) throw new TokenExchangeError(403, "failed to evaluate cloudevents");
    let document: Awaited<ReturnType<typeof verifySignedDocument>>;
    try {
      document = await verifySignedDocument(text);
    } catch (err) {
      if (err instanceof DocumentVerificationError && err.message === "invalid grant signature") {
        throw new TokenExchangeError(403, "invalid grant signature");
      }
      throw new TokenExchangeError(403, "failed to evaluate cloudevents", err);
    }
    if (document.type !== "dimo.sacd") throw new TokenExchangeError(403, "failed to evaluate cloudevents");
    if (document.grantee !== grantee) {
      throw new TokenExchangeError(403, "Grantee address in permission record doesn't match requester");
    }
    const agreements = activeCloudEventAgreements(
      document.data,
      request.asset.did,
      (this.deps.now ?? Date.now)(),
    );
    if (!request.cloudEvents.every((event) => agreementsCover(agreements, event))) {
      throw new TokenExchangeError(403, "failed to evaluate cloudevents");
    }
  }

  /** Step 5: the vehicle JWT with exactly the claims of §7.3. */
  private async signVehicleJwt(developer: DeveloperIdentity, request: ExchangeRequest): Promise<string> {
    const claims = this.vehicleClaims(developer, request);
    const nowS = Math.floor((this.deps.now ?? Date.now)() / 1000);
    if (nowS !== this.recentSecond) {
      this.recent = new Map();
      this.recentSecond = nowS;
    }
    const key = `${this.deps.grants.generation} ${JSON.stringify(claims)}`;
    const hit = this.recent.get(key);
    if (hit && hit.issuedAt === nowS) return hit.token;
    try {
      const { token, issuedAt } = await this.deps.jwt.sign("vehicle", claims, VEHICLE_JWT_TTL_SECONDS);
      if (issuedAt === this.recentSecond) this.recent.set(key, { token, issuedAt });
      return token;
    } catch (err) {
      throw new TokenExchangeError(
        500,
        "Failed to sign privilege payload: the signing key is unavailable.",
        err,
      );
    }
  }

  private vehicleClaims(developer: DeveloperIdentity, request: ExchangeRequest) {
    const { asset, privileges, cloudEvents, audience } = request;
    return {
      sub: developer.clientId,
      aud: audience,
      asset: asset.did,
      permissions: privileges.map(privilegeName),
      cloud_events: {
        events: cloudEvents.map((e) => ({
          event_type: e.eventType,
          source: e.source,
          ids: e.ids,
          tags: e.tags,
        })),
      },
      contract_address: asset.contract.toLowerCase(),
      token_id: String(asset.tokenId),
      privilege_ids: privileges,
    };
  }
}

/** Either body form; anything that is not one (wrong types, not JSON, no body) is `Couldn't parse request body.` */
export function parseExchangeBody(body: unknown): ExchangeBody {
  const parsed = exchangeBodySchema.safeParse(body);
  if (!parsed.success) throw new TokenExchangeError(400, "Couldn't parse request body.");
  return parsed.data;
}

/** §7.1 resolution: asset, privileges, cloud events and audience, with the official defaults. */
export function resolveExchangeRequest(body: ExchangeBody, settings: TokenExchangeSettings): ExchangeRequest {
  const asset = resolveAsset(body, settings);
  const { privileges, unknownPermissions } = resolvePrivileges(body);
  const cloudEvents = resolveCloudEvents(body);
  if (privileges.length === 0 && unknownPermissions.length === 0 && cloudEvents.length === 0) {
    throw new TokenExchangeError(400, "Please provide at least one privilege or cloudevent");
  }
  const audience = body.audience && body.audience.length > 0 ? body.audience : DEFAULT_AUDIENCE;
  return { asset, privileges, unknownPermissions, cloudEvents, audience };
}

/**
 * The vehicle DID from `asset`, or from the deprecated `nftContractAddress` + `tokenId`; it must
 * name this deployment's chain and vehicle contract.
 */
export function resolveAsset(body: ExchangeBody, settings: TokenExchangeSettings): ExchangeRequest["asset"] {
  let text: string;
  if (body.asset) {
    text = body.asset;
  } else {
    const contract = body.nftContractAddress ?? "";
    if (!isHexAddress(contract))
      throw new TokenExchangeError(400, `Invalid NFT contract address ${JSON.stringify(contract)}.`);
    text = `did:erc721:${settings.chainId}:${checksumAddress(contract)}:${body.tokenId ?? 0}`;
  }
  let did: Erc721Did;
  try {
    did = parseErc721Did(text);
  } catch (err) {
    if (err instanceof InvalidDidError) throw new TokenExchangeError(400, err.message);
    throw err;
  }
  if (did.chainId !== settings.chainId) {
    throw new TokenExchangeError(
      400,
      `Unsupported chain id ${did.chainId} in asset DID ${JSON.stringify(text)}: this server issues vehicle tokens for chain ${settings.chainId}.`,
    );
  }
  if (did.contract !== checksumAddress(settings.vehicleContract)) {
    throw new TokenExchangeError(
      400,
      `Unsupported asset contract ${did.contract}: this server issues vehicle tokens for the vehicle contract ${checksumAddress(settings.vehicleContract)}.`,
    );
  }
  return { ...did, did: formatErc721Did(did) };
}

/** Names win over the deprecated ids; ids outside 1..8 are `unknown privileges [9]` (Go's list format). */
export function resolvePrivileges(body: ExchangeBody): {
  privileges: PrivilegeId[];
  unknownPermissions: string[];
} {
  const privileges: PrivilegeId[] = [];
  const unknownPermissions: string[] = [];
  if (body.permissions && body.permissions.length > 0) {
    for (const name of body.permissions) {
      const id = privilegeIdFromName(name);
      if (id === undefined) unknownPermissions.push(name);
      else if (!privileges.includes(id)) privileges.push(id);
    }
    return { privileges, unknownPermissions };
  }
  const ids = body.privileges ?? [];
  const unknown = ids.filter((id) => !isPrivilegeId(id));
  if (unknown.length > 0) throw new TokenExchangeError(400, `unknown privileges [${unknown.join(" ")}]`);
  for (const id of ids as PrivilegeId[]) if (!privileges.includes(id)) privileges.push(id);
  return { privileges, unknownPermissions };
}

/** Missing event type, source, ids or tags mean "any" (`*`); hex sources are compared checksummed. */
export function resolveCloudEvents(body: ExchangeBody): CloudEventRequest[] {
  return (body.cloudEvents?.events ?? []).map((e) => ({
    eventType: e.eventType || GLOBAL,
    source: normalizeSource(e.source || GLOBAL),
    ids: e.ids && e.ids.length > 0 ? e.ids : [GLOBAL],
    tags: e.tags && e.tags.length > 0 ? e.tags : [GLOBAL],
  }));
}

function normalizeSource(source: string): string {
  return isHexAddress(source) ? checksumAddress(source) : source;
}

/** A `cloudevent` agreement of a signed SACD document. */
export interface CloudEventAgreement {
  eventType: string;
  source: string;
  ids: string[];
  tags: string[];
}

/**
 * The cloud-event agreements of a verified document's `data` that are in force at `nowMs`.
 * Agreements outside their `[effectiveAt, expiresAt]` are ignored; one in force for another
 * asset is an error (§6.4 step 4).
 */
export function activeCloudEventAgreements(
  data: Record<string, unknown>,
  assetDid: string,
  nowMs: number,
): CloudEventAgreement[] {
  const agreements: CloudEventAgreement[] = [];
  for (const item of Array.isArray(data.agreements) ? data.agreements : []) {
    if (typeof item !== "object" || item === null) continue;
    const a = item as Record<string, unknown>;
    const effectiveAt = typeof a.effectiveAt === "string" ? Date.parse(a.effectiveAt) : Number.NaN;
    const expiresAt = typeof a.expiresAt === "string" ? Date.parse(a.expiresAt) : Number.NaN;
    if (nowMs < effectiveAt || nowMs > expiresAt) continue;
    if (a.asset !== assetDid) {
      throw new TokenExchangeError(
        403,
        `The permission record's asset ${String(a.asset)} does not match the requested asset ${assetDid}.`,
      );
    }
    if (a.type !== "cloudevent") continue;
    agreements.push({
      eventType: typeof a.eventType === "string" && a.eventType !== "" ? a.eventType : GLOBAL,
      source: typeof a.source === "string" && a.source !== "" ? normalizeSource(a.source) : GLOBAL,
      ids: stringList(a.ids),
      tags: stringList(a.tags),
    });
  }
  return agreements;
}

function stringList(value: unknown): string[] {
  const list = Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
  return list.length > 0 ? list : [GLOBAL];
}

/** Every (id, tag) pair of the request must be granted by one agreement; `*` in an agreement matches anything. */
export function agreementsCover(
  agreements: readonly CloudEventAgreement[],
  request: CloudEventRequest,
): boolean {
  const matches = (granted: string, wanted: string) => granted === GLOBAL || granted === wanted;
  const within = (granted: string[], wanted: string) => granted.includes(GLOBAL) || granted.includes(wanted);
  return request.ids.every((id) =>
    request.tags.every((tag) =>
      agreements.some(
        (a) =>
          matches(a.eventType, request.eventType) &&
          matches(a.source, request.source) &&
          within(a.ids, id) &&
          within(a.tags, tag),
      ),
    ),
  );
}

function lacksPermissions(
  grantee: Address,
  assetDid: string,
  lacking: ReadonlyArray<number | string>,
): TokenExchangeError {
  return new TokenExchangeError(
    403,
    `Address ${grantee} lacks permissions [${lacking.join(" ")}] for asset ${assetDid}.`,
  );
}
