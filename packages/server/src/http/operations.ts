import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import type { Services } from "../services.ts";

/** Liveness and readiness: /healthz answers while the process runs; /readyz when the store answers too. */
export function registerOperations(app: FastifyInstance, services: Services): void {
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    try {
      await sql`select 1`.execute(services.store.db);
      return { status: "ready", engine: services.store.engine };
    } catch {
      return reply.status(503).send({ code: 503, message: "The database is not reachable." });
    }
  });
}
