import type { FastifyPluginAsync } from "fastify";
import { HttpError } from "../../http/errors.ts";
import type { TokenExchangeService } from "./exchange.ts";

const BODY_LIMIT = 16 * 1024;

/** `POST /v1/tokens/exchange`: errors are `{code, message}` through the application's error handler. */
export const tokenRoutes: FastifyPluginAsync<{ tokenExchange: TokenExchangeService }> = async (
  app,
  { tokenExchange },
) => {
  app.post("/v1/tokens/exchange", { bodyLimit: BODY_LIMIT }, async (request, reply) => {
    try {
      const result = await tokenExchange.exchange({
        authorization: request.headers.authorization,
        body: request.body,
      });
      return reply.header("cache-control", "no-store").send(result);
    } catch (err) {
      // Server-side failures carry a wire message; what caused them belongs in the log.
      if (err instanceof HttpError && err.statusCode >= 500)
        request.log.error({ err: err.cause ?? err }, err.message);
      throw err;
    }
  });
};
