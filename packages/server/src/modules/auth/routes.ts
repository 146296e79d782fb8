import type {
  FastifyError,
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
} from "fastify";
import { HttpError } from "../../http/errors.ts";
import type { DeveloperAuthService, Web3Params } from "./developer-auth.ts";
import type { JwtService } from "./jwt.ts";
import type { JwtIssuer, SigningKeyStore } from "./signing-keys.ts";

export interface AuthRoutesOptions {
  developerAuth: DeveloperAuthService;
  jwt: JwtService;
  keys: SigningKeyStore;
  /** `authorization_endpoint` is `<loginUrl>/oauth/authorize`. */
  loginUrl: string;
}

const BODY_LIMIT = 16 * 1024;
const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "Request body is too large.",
  FST_ERR_CTP_INVALID_JSON_BODY: "Couldn't parse parameters.",
  FST_ERR_CTP_EMPTY_JSON_BODY: "Couldn't parse parameters.",
};
const WEB3_PARAMS = [
  "client_id",
  "domain",
  "scope",
  "response_type",
  "address",
  "grant_type",
  "state",
  "signature",
] as const;

/**
 * The developer/user issuer (`/auth/web3/*`, `/keys`, discovery) and the vehicle issuer's public
 * documents (`/roles-rights/...`).
 */
export const authRoutes: FastifyPluginAsync<AuthRoutesOptions> = async (app, options) => {
  // Keys are read (or created) before the server listens, not by the first request.
  app.addHook("onReady", () => options.keys.warm());
  await app.register(web3Routes, options);
  registerIssuerDocuments(app, options);
};

/** `/auth/web3/*`: parameters from query and form body, errors in dex's shape. */
const web3Routes: FastifyPluginAsync<AuthRoutesOptions> = async (app, { developerAuth }) => {
  // The data SDK posts a form content type with an empty body; other clients may send none, or
  // something else entirely. None of that is a 415 here: only the parameters matter.
  app.addContentTypeParser("*", { parseAs: "string", bodyLimit: BODY_LIMIT }, (_request, _body, done) =>
    done(null, undefined),
  );
  app.setErrorHandler(web3ErrorHandler);

  app.post("/auth/web3/generate_challenge", { bodyLimit: BODY_LIMIT }, async (request) =>
    developerAuth.generateChallenge(web3Params(request)),
  );
  app.post("/auth/web3/submit_challenge", { bodyLimit: BODY_LIMIT }, async (request, reply) => {
    const tokens = await developerAuth.submitChallenge(web3Params(request));
    return reply.header("cache-control", "no-store").header("pragma", "no-cache").send(tokens);
  });
};

/** The first value of each known parameter, the body's over the query's (Go's r.Form order). */
function web3Params(request: FastifyRequest): Web3Params {
  const params: Web3Params = {};
  for (const name of WEB3_PARAMS) {
    const value = firstString(request.body, name) ?? firstString(request.query, name);
    if (value !== undefined) params[name] = value;
  }
  return params;
}

function firstString(source: unknown, name: string): string | undefined {
  if (typeof source !== "object" || source === null || !Object.hasOwn(source, name)) return undefined;
  const value = (source as Record<string, unknown>)[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === "string" ? first : undefined;
}

/** Every answer of `/auth/web3/*` is `{status, code, message}`, Fastify's own 4xx (oversize body, ...) included. */
function web3ErrorHandler(error: FastifyError | HttpError, _request: FastifyRequest, reply: FastifyReply) {
  const status = error.statusCode;
  if (!status || status < 400 || status >= 500) throw error; // the application's handler logs it and answers 500
  const message =
    error instanceof HttpError ? error.message : (FASTIFY_MESSAGES[error.code] ?? error.message);
  return reply.status(status).send({ status, code: status, message });
}

/** JWKS and discovery of both issuers: public, cacheable for 5 minutes, readable from any origin. */
function registerIssuerDocuments(app: FastifyInstance, { jwt, keys, loginUrl }: AuthRoutesOptions): void {
  const publicDocument = (reply: FastifyReply, body: unknown) =>
    reply.header("cache-control", "max-age=300").header("access-control-allow-origin", "*").send(body);
  const prefix: Record<JwtIssuer, string> = { developer: "", vehicle: "/roles-rights" };

  for (const issuer of ["developer", "vehicle"] as const) {
    app.get(`${prefix[issuer]}/keys`, async (_request, reply) =>
      publicDocument(reply, await keys.jwks(issuer)),
    );
    app.get(`${prefix[issuer]}/.well-known/openid-configuration`, async (_request, reply) =>
      publicDocument(reply, discoveryDocument(issuer, jwt, loginUrl)),
    );
  }
}

/** OpenID discovery (auth-and-tokens.md §5). The vehicle issuer only signs, so it names no endpoints but its keys. */
export function discoveryDocument(
  issuer: JwtIssuer,
  jwt: JwtService,
  loginUrl: string,
): Record<string, unknown> {
  const iss = jwt.issuers[issuer];
  const common = {
    issuer: iss,
    jwks_uri: `${iss}/keys`,
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: [jwt.alg],
  };
  if (issuer === "vehicle") return common;
  return {
    issuer: iss,
    authorization_endpoint: `${loginUrl}/oauth/authorize`,
    token_endpoint: `${iss}/oauth/token`,
    jwks_uri: common.jwks_uri,
    response_types_supported: ["code"],
    subject_types_supported: common.subject_types_supported,
    id_token_signing_alg_values_supported: common.id_token_signing_alg_values_supported,
    code_challenge_methods_supported: ["S256"],
    scopes_supported: ["openid", "email"],
    grant_types_supported: ["authorization_code"],
    claims_supported: [
      "iss",
      "sub",
      "aud",
      "iat",
      "exp",
      "email_verified",
      "ethereum_address",
      "provider_id",
    ],
  };
}
