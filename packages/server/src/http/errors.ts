import type { FastifyError, FastifyInstance, FastifyReply } from "fastify";
import { ServiceError } from "../errors.ts";

/**
 * An error that carries its wire status and message. REST errors are `{code, message}`;
 * `/auth/web3/*` adds dex's `status` (see `withStatusField`).
 */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new HttpError(400, message);
export const unauthorized = (message: string) => new HttpError(401, message);
export const forbidden = (message: string) => new HttpError(403, message);
export const notFound = (message: string) => new HttpError(404, message);
export const conflict = (message: string) => new HttpError(409, message);

const SERVICE_ERROR_STATUS = {
  NOT_FOUND: 404,
  INVALID_ARGUMENT: 400,
  CONFLICT: 409,
  FORBIDDEN: 403,
} as const;

export function sendError(reply: FastifyReply, err: HttpError): FastifyReply {
  return reply.status(err.statusCode).send({ code: err.statusCode, message: err.message, ...err.extra });
}

/**
 * Maps every error to JSON with the right status and never a stack trace: our HttpErrors as they
 * are, Fastify's own 4xx (bad JSON, oversize bodies, unsupported media) with their message, and
 * anything else as a logged 500 with a generic message.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    if (error instanceof HttpError) return sendError(reply, error);
    if (error instanceof ServiceError)
      return sendError(reply, new HttpError(SERVICE_ERROR_STATUS[error.kind], error.message));
    const status = (error as FastifyError).statusCode;
    if (status && status >= 400 && status < 500) {
      const code = (error as FastifyError).code;
      const message =
        code === "FST_ERR_CTP_INVALID_JSON_BODY" || code === "FST_ERR_CTP_EMPTY_JSON_BODY"
          ? "Couldn't parse request body."
          : code === "FST_ERR_CTP_BODY_TOO_LARGE"
            ? "Request body is too large."
            : error.message;
      return reply.status(status).send({ code: status, message });
    }
    request.log.error({ err: error }, "unhandled error");
    return reply.status(500).send({ code: 500, message: "Internal server error." });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send({ code: 404, message: `Route ${request.method} ${request.url.split("?")[0]} not found.` }),
  );
}
