import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { forbidden, HttpError, notFound } from "../../http/errors.ts";
import type { Connection, ConnectionService } from "./connections.ts";
import { INGEST_LIMITS, type IngestBatch } from "./contract.ts";
import { parseBatchTokenId } from "./ingest-batch.ts";
import type { SignalStore } from "./store.ts";

export interface IngestRouteOptions {
  signals: SignalStore;
  connections: ConnectionService;
  vehicles: { find(tokenId: number): Promise<unknown> };
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;
const JSON_TYPE = /^application\/json\s*(;|$)/i;

/**
 * `POST /v1/ingest` (contract.ts `IngestBatch`): authenticate the connection (401) → JSON only
 * (415) → the body, at most INGEST_LIMITS.maxBodyBytes (413) → the vehicle exists (404) → the
 * connection may post for it (403) → validate every entry (400 naming the entry) → write in one
 * transaction → 200 `IngestResult`, only after the commit. Not for browsers: no CORS.
 */
export const ingestRoutes: FastifyPluginAsync<IngestRouteOptions> = async (app, opts) => {
  const { signals, connections, vehicles } = opts;
  const authenticated = new WeakMap<FastifyRequest, Connection>();

  // Before the body is read: nobody without a credential gets to send two megabytes.
  async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const match = BEARER.exec(request.headers.authorization ?? "");
    const connection = match ? await connections.authenticate(match[1]) : undefined;
    if (!connection) {
      reply.header("www-authenticate", 'Bearer realm="keyfob-ingest"');
      throw new HttpError(401, "A valid connection credential is required: Authorization: Bearer kfc_…");
    }
    if (!JSON_TYPE.test(request.headers["content-type"] ?? ""))
      throw new HttpError(415, "The body must be JSON (Content-Type: application/json).");
    authenticated.set(request, connection);
  }

  app.post(
    "/v1/ingest",
    { bodyLimit: INGEST_LIMITS.maxBodyBytes, onRequest: authenticate },
    async (request, reply) => {
      const connection = authenticated.get(request)!;
      const tokenId = parseBatchTokenId(request.body);
      if (!(await vehicles.find(tokenId))) throw notFound(`No vehicle with token id ${tokenId}.`);
      if (!(await connections.mayPostFor(connection.id, tokenId)))
        throw forbidden(`This connection may not post for vehicle ${tokenId}.`);
      const result = await signals.ingest(request.body as IngestBatch, connection);
      return reply.header("cache-control", "no-store").send(result);
    },
  );
};
