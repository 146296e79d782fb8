import type { FastifyPluginAsync } from "fastify";
import type { IdentityDeps } from "./context.ts";
import { createIdentityServer, IDENTITY_ENDPOINT } from "./server.ts";

/** Queries are small; this bounds what a client can make the server buffer. */
export const IDENTITY_BODY_LIMIT = 64 * 1024;

/**
 * `/identity/query`: GraphQL over HTTP on POST (and GET), GraphiQL for browsers on GET, CORS
 * preflight on OPTIONS. Yoga parses the request itself, so this plugin's context replaces the app's
 * JSON and form parsers with one that only collects the raw bytes (size-limited).
 */
export const identityRoutes: FastifyPluginAsync<IdentityDeps> = async (app, deps) => {
  const server = createIdentityServer(deps, (err) => app.log.error({ err }, "identity query failed"));

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    "*",
    { parseAs: "buffer", bodyLimit: IDENTITY_BODY_LIMIT },
    (_request, body, done) => done(null, body),
  );

  app.route({
    url: IDENTITY_ENDPOINT,
    method: ["GET", "POST", "OPTIONS"],
    handler: async (request, reply) => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers)) {
        if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
      }
      const hasBody = request.method === "POST";
      const response = await server.fetch(
        `${request.protocol}://${request.host || "localhost"}${request.url}`,
        {
          method: request.method,
          headers,
          ...(hasBody ? { body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0) } : {}),
        },
      );
      const payload = Buffer.from(await response.arrayBuffer());
      if (response.status === 415 && payload.length === 0) {
        // Yoga answers other content types with an empty 415; say what it takes.
        return reply.status(415).send({ errors: [{ message: "Send the query as application/json." }] });
      }
      response.headers.forEach((value, name) => {
        reply.header(name, value);
      });
      return reply.status(response.status).send(payload);
    },
  });
};
