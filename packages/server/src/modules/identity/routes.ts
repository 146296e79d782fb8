import type { FastifyPluginAsync } from "fastify";
import { acceptRawBodies, forwardToYoga } from "../../http/graphql.ts";
import type { IdentityDeps } from "./context.ts";
import { createIdentityServer, IDENTITY_ENDPOINT } from "./server.ts";

/** Queries are small; this bounds what a client can make the server buffer. */
export const IDENTITY_BODY_LIMIT = 64 * 1024;

/**
 * `/identity/query`: GraphQL over HTTP on POST (and GET), GraphiQL for browsers on GET, CORS
 * preflight on OPTIONS. Yoga parses the request itself (raw bodies only in this plugin's context).
 */
export const identityRoutes: FastifyPluginAsync<IdentityDeps> = async (app, deps) => {
  const server = createIdentityServer(deps, (err) => app.log.error({ err }, "identity query failed"));
  acceptRawBodies(app, IDENTITY_BODY_LIMIT);
  app.route({
    url: IDENTITY_ENDPOINT,
    method: ["GET", "POST", "OPTIONS"],
    handler: (request, reply) => forwardToYoga(request, reply, (url, init) => server.fetch(url, init)),
  });
};
