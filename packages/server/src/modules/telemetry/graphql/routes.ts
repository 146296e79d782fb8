import type { FastifyPluginAsync } from "fastify";
import { sendError } from "../../../http/errors.ts";
import { acceptRawBodies, forwardToYoga } from "../../../http/graphql.ts";
import { bearerToken, InvalidJwtError, verifyVehicleJwt } from "../../auth/jwt.ts";
import { callerFromClaims, type VehicleCaller } from "./access.ts";
import type { TelemetryDeps } from "./context.ts";
import { createTelemetryServer, TELEMETRY_ENDPOINT } from "./server.ts";

/** Queries are small; this bounds what a client can make the server buffer. */
export const TELEMETRY_BODY_LIMIT = 64 * 1024;

/**
 * `/telemetry/query`: GraphQL over HTTP on POST (and GET), GraphiQL for browsers on GET, CORS
 * preflight on OPTIONS (telemetry-api.md §1). A vehicle JWT that does not verify is a 401 before
 * GraphQL runs; without an Authorization header the query runs and protected fields fail.
 */
export const telemetryRoutes: FastifyPluginAsync<TelemetryDeps> = async (app, deps) => {
  const server = createTelemetryServer(deps, (err) => app.log.error({ err }, "telemetry query failed"));
  acceptRawBodies(app, TELEMETRY_BODY_LIMIT);
  app.route({
    url: TELEMETRY_ENDPOINT,
    method: ["GET", "POST", "OPTIONS"],
    handler: async (request, reply) => {
      let caller: VehicleCaller | null = null;
      if (request.headers.authorization !== undefined) {
        try {
          caller = callerFromClaims(
            await verifyVehicleJwt(deps.jwt, bearerToken(request.headers.authorization)),
          );
        } catch (err) {
          if (!(err instanceof InvalidJwtError)) throw err;
          // Browsers read a refusal only with the CORS header that yoga would have added.
          return sendError(reply.header("access-control-allow-origin", "*"), err);
        }
      }
      return forwardToYoga(request, reply, (url, init) => server.fetch(url, init, { caller }));
    },
  });
};
