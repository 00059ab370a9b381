/**
 * The one catalog of error codes and the HTTP status each maps to. Codes are stable: never
 * rename or reuse one. MLflow's codes are used where they exist, so MLflow clients react as
 * they do against MLflow itself.
 */
export const ERROR_STATUS = {
  INVALID_PARAMETER_VALUE: 400,
  BAD_REQUEST: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  RESOURCE_CONFLICT: 409,
  REQUEST_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  REQUEST_LIMIT_EXCEEDED: 429,
  INTERNAL_ERROR: 500,
  ENCRYPTION_KEY_MISMATCH: 500,
  NOT_IMPLEMENTED: 501,
  TEMPORARILY_UNAVAILABLE: 503,
} as const;

/** A stable machine-readable error code. */
export type ErrorCode = keyof typeof ERROR_STATUS;

/** HTTP status for a code; unknown codes are treated as internal errors. */
export function statusForCode(code: string): number {
  return (ERROR_STATUS as Record<string, number>)[code] ?? 500;
}
