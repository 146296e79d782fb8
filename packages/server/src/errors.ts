/**
 * Errors that services raise, named by what went wrong; the HTTP layer maps each kind to a status
 * (NOT_FOUND 404, INVALID_ARGUMENT 400, CONFLICT 409, FORBIDDEN 403).
 */
export type ServiceErrorKind = "NOT_FOUND" | "INVALID_ARGUMENT" | "CONFLICT" | "FORBIDDEN";

export class ServiceError extends Error {
  constructor(
    readonly kind: ServiceErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export const notFoundError = (message: string) => new ServiceError("NOT_FOUND", message);
export const invalidArgument = (message: string) => new ServiceError("INVALID_ARGUMENT", message);
export const conflictError = (message: string) => new ServiceError("CONFLICT", message);
