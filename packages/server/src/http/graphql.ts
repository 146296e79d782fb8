import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { GraphQLError, type ValidationContext } from "graphql";
import type { Plugin } from "graphql-yoga";
import { ServiceError } from "../errors.ts";

/**
 * What the GraphQL APIs (Identity, Telemetry) share: mounting a yoga server in Fastify, the 422
 * answer to invalid documents, the execution timeout, and the masking of resolver errors.
 */

/** The official APIs answer 422 to an unparseable or invalid document, whatever the Accept header. */
export const DOCUMENT_ERROR_STATUS = 422;

export function timeoutError(seconds: number): GraphQLError {
  return new GraphQLError(`The query did not finish within ${seconds} s.`, {
    extensions: { code: "TIMEOUT" },
  });
}

/**
 * Yoga parses requests itself: in the plugin's context, replace the app's JSON and form parsers
 * with one that only collects the raw bytes (size-limited).
 */
export function acceptRawBodies(app: FastifyInstance, bodyLimit: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit }, (_request, body, done) => done(null, body));
}

/** Hands a Fastify request to a yoga server (`fetch`) and its answer back to Fastify. */
export async function forwardToYoga(
  request: FastifyRequest,
  reply: FastifyReply,
  fetch: (url: string, init: RequestInit) => Response | Promise<Response>,
): Promise<FastifyReply> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  const hasBody = request.method === "POST";
  const response = await fetch(`${request.protocol}://${request.host || "localhost"}${request.url}`, {
    method: request.method,
    headers,
    ...(hasBody ? { body: bodyBytes(request.body) } : {}),
  });
  const payload = Buffer.from(await response.arrayBuffer());
  if (response.status === 415 && payload.length === 0) {
    // Yoga answers other content types with an empty 415; say what it takes.
    return reply.status(415).send({ errors: [{ message: "Send the query as application/json." }] });
  }
  response.headers.forEach((value, name) => {
    reply.header(name, value);
  });
  return reply.status(response.status).send(payload);
}

function bodyBytes(body: unknown): Uint8Array<ArrayBuffer> {
  if (!Buffer.isBuffer(body)) return new Uint8Array(0);
  return new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength);
}

/** graphql-armor's rules throw out of validation by default; reported instead, they are validation errors. */
export const reportAsValidationError = {
  propagateOnRejection: false,
  onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)],
};

/** Invalid documents answer DOCUMENT_ERROR_STATUS even to `Accept: application/json` clients. */
export function useDocumentErrorStatus(): Plugin {
  return {
    onValidate() {
      return ({ valid, result }) => {
        if (valid) return;
        for (const error of result) {
          // Yoga's own HTTP plugin marks these errors the same way, in place.
          const extensions = error.extensions as Record<string, unknown>;
          extensions.code ??= "GRAPHQL_VALIDATION_FAILED";
          extensions.http = {
            ...(extensions.http as object | undefined),
            spec: false,
            status: DOCUMENT_ERROR_STATUS,
          };
        }
      };
    },
  };
}

/**
 * Aborts an execution that runs longer than `ms` (the executor stops between resolvers) and
 * answers a TIMEOUT error instead of a result.
 */
export function useExecutionTimeout(ms: number): Plugin {
  return {
    onExecute({ executeFn, setExecuteFn }) {
      setExecuteFn(async (args) => {
        const timeout = AbortSignal.timeout(ms);
        const outer = (args as { signal?: AbortSignal }).signal;
        const signal = outer ? AbortSignal.any([outer, timeout]) : timeout;
        try {
          return await executeFn({ ...args, signal } as typeof args);
        } catch (error) {
          // `data: null`: execution had started, so this is an execution error (HTTP 200).
          if (timeout.aborted) return { data: null, errors: [timeoutError(ms / 1000)] };
          throw error;
        }
      });
    },
  };
}

/**
 * What a client sees of an error. Request errors (no `path`: the document or its variables were
 * rejected) pass as graphql-js worded them; an unparseable document gets DOCUMENT_ERROR_STATUS.
 * Resolver errors pass when they are ours, a service's named error keeps its message and kind,
 * anything else becomes a generic message (logged, never a stack).
 */
export function publicError(error: unknown, log: (error: unknown) => void): GraphQLError {
  const located = isGraphQLError(error) ? error : undefined;
  const original = located ? located.originalError : error;
  if (located && !located.path)
    return located.extensions.code === "GRAPHQL_PARSE_FAILED" ? withDocumentStatus(located) : located;
  if (located && (!original || isGraphQLError(original))) return located;
  if (original instanceof ServiceError) return relocate(located, original.message, { code: original.kind });
  log(original);
  return relocate(located, "Internal server error.", { code: "INTERNAL_SERVER_ERROR" });
}

/**
 * By name, not `instanceof`: graphql ships CommonJS and ESM builds, and a bundler or test runner
 * may load both, so errors made by the executor and by our resolvers can come from different copies.
 */
function isGraphQLError(value: unknown): value is GraphQLError {
  return value instanceof Error && value.name === "GraphQLError";
}

function withDocumentStatus(error: GraphQLError): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    originalError: error.originalError,
    extensions: { ...error.extensions, http: { status: DOCUMENT_ERROR_STATUS } },
  });
}

function relocate(
  located: GraphQLError | undefined,
  message: string,
  extensions: Record<string, unknown>,
): GraphQLError {
  return new GraphQLError(message, {
    ...(located
      ? { nodes: located.nodes, source: located.source, positions: located.positions, path: located.path }
      : {}),
    extensions,
  });
}
