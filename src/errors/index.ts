/** Typed errors with stable codes, and the code → HTTP status table. No HTTP imports here. */
export { ERROR_STATUS, statusForCode, type ErrorCode } from './error-codes.js';
export {
  PuenteError,
  InvalidParameterError,
  NotFoundError,
  AlreadyExistsError,
  ConflictError,
  UnauthenticatedError,
  PermissionDeniedError,
  missingParameter,
  isPuenteError,
} from './puente-error.js';
