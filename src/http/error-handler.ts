import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isPuenteError, statusForCode, type ErrorCode } from '../errors/index.js';

/** The JSON body of every error answer, in MLflow's shape. */
export interface ErrorBody {
  error_code: ErrorCode;
  message: string;
}

/** Fastify's own error codes, turned into ours. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'REQUEST_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_PARAMETER_VALUE',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_PARAMETER_VALUE',
  FST_ERR_VALIDATION: 'INVALID_PARAMETER_VALUE',
  FST_ERR_RATE_LIMIT: 'REQUEST_LIMIT_EXCEEDED',
};

/**
 * The one error handler: every thrown error becomes `{error_code, message}` with the status of
 * its code. Unknown errors are logged and answered with a generic 500, never with their text.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const body = toErrorBody(error);
    const status = statusForCode(body.error_code);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    reply.code(status).type('application/json').send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({
      error_code: 'ENDPOINT_NOT_FOUND',
      message: `No endpoint ${request.method} ${request.url.split('?')[0]}.`,
    } satisfies ErrorBody);
  });
}

function toErrorBody(error: FastifyError): ErrorBody {
  if (isPuenteError(error)) return { error_code: error.code, message: error.message };
  const mapped = error.code ? FASTIFY_CODES[error.code] : undefined;
  if (mapped === 'INVALID_PARAMETER_VALUE' && error.validation) {
    return { error_code: mapped, message: `Invalid request: ${validationMessage(error)}` };
  }
  if (mapped) return { error_code: mapped, message: error.message };
  if (error instanceof SyntaxError || error.statusCode === 400) {
    return { error_code: 'BAD_REQUEST', message: `Malformed request: ${error.message}` };
  }
  if (error.statusCode === 413) return { error_code: 'REQUEST_TOO_LARGE', message: error.message };
  if (error.statusCode === 415) return { error_code: 'UNSUPPORTED_MEDIA_TYPE', message: error.message };
  if (error.statusCode === 429) return { error_code: 'REQUEST_LIMIT_EXCEEDED', message: error.message };
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return { error_code: 'BAD_REQUEST', message: error.message };
  }
  return { error_code: 'INTERNAL_ERROR', message: 'Internal error; the server log has the details.' };
}

/** "field 'x' must be string" from ajv's report, naming the field a person has to fix. */
function validationMessage(error: FastifyError): string {
  const first = error.validation?.[0];
  if (!first) return error.message;
  const where = error.validationContext ?? 'body';
  const missing = (first.params as { missingProperty?: string })?.missingProperty;
  if (missing) return `Missing value for required parameter '${missing}' (${where}).`;
  const path = first.instancePath.replace(/^\//, '').replace(/\//g, '.');
  return `${where}${path ? ` field '${path}'` : ''} ${first.message ?? 'is invalid'}.`;
}
