import { type ErrorCode, statusForCode } from './error-codes.js';

/**
 * Base class of every error Puente reports to a caller. The message is shown to users, so it
 * must say what was wrong and what to do; internal detail belongs in the log, not here.
 */
export class PuenteError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return statusForCode(this.code);
  }
}

/** A field of a request or an argument has a value that is not allowed. */
export class InvalidParameterError extends PuenteError {
  constructor(message: string, readonly field?: string) {
    super('INVALID_PARAMETER_VALUE', message, field ? { field } : undefined);
  }
}

/** The named resource does not exist (or the caller may not know it exists). */
export class NotFoundError extends PuenteError {
  constructor(message: string, readonly resource?: string) {
    super('RESOURCE_DOES_NOT_EXIST', message, resource ? { resource } : undefined);
  }
}

/** A resource with the same identity exists already. */
export class AlreadyExistsError extends PuenteError {
  constructor(message: string) {
    super('RESOURCE_ALREADY_EXISTS', message);
  }
}

/** The request conflicts with the current state (e.g. a stale revision). */
export class ConflictError extends PuenteError {
  constructor(message: string) {
    super('RESOURCE_CONFLICT', message);
  }
}

/** No valid credentials came with the request. The message never says which part was wrong. */
export class UnauthenticatedError extends PuenteError {
  constructor(message = 'Authentication required: send an API token (Authorization: Bearer <token>) or a username and password (Basic).') {
    super('UNAUTHENTICATED', message);
  }
}

/** The caller is known but lacks the role this request needs. */
export class PermissionDeniedError extends PuenteError {
  constructor(message: string) {
    super('PERMISSION_DENIED', message);
  }
}

/** "Missing value for required parameter" in MLflow's words, so clients see the familiar text. */
export function missingParameter(field: string): InvalidParameterError {
  return new InvalidParameterError(`Missing value for required parameter '${field}'.`, field);
}

/** True when an unknown thrown value is one of ours. */
export function isPuenteError(err: unknown): err is PuenteError {
  return err instanceof PuenteError;
}
