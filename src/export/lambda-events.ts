import type { FastifyInstance } from 'fastify';

/**
 * The request event of API Gateway HTTP APIs and Lambda Function URLs (payload 2.0); the REST
 * API's 1.0 fields (`httpMethod`, `path`, `multiValueHeaders`) are read too.
 */
export interface LambdaHttpEvent {
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  readonly headers?: Record<string, string | undefined> | null;
  readonly rawPath?: string;
  readonly rawQueryString?: string;
  readonly requestContext?: { readonly http?: { readonly method?: string; readonly path?: string } };
  readonly httpMethod?: string;
  readonly path?: string;
  readonly queryStringParameters?: Record<string, string | undefined> | null;
}

export interface LambdaHttpResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

/** A Lambda handler answering each event through the app's routes (Fastify's in-process inject). */
export function lambdaHandler(app: FastifyInstance): (event: LambdaHttpEvent) => Promise<LambdaHttpResult> {
  return async (event) => {
    const method = (event.requestContext?.http?.method ?? event.httpMethod ?? 'GET').toUpperCase();
    const path = event.rawPath ?? event.requestContext?.http?.path ?? event.path ?? '/';
    const query = event.rawQueryString ?? new URLSearchParams(Object.entries(event.queryStringParameters ?? {}).filter((e): e is [string, string] => e[1] !== undefined)).toString();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(event.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v;
    const body = event.body == null ? undefined : event.isBase64Encoded ? Buffer.from(event.body, 'base64') : event.body;
    const res = await app.inject({ method: method as 'GET', url: query ? `${path}?${query}` : path, headers, ...(body === undefined ? {} : { payload: body }) });
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) {
      if (v === undefined || k === 'connection' || k === 'transfer-encoding') continue;
      out[k] = Array.isArray(v) ? v.join(', ') : String(v);
    }
    return { statusCode: res.statusCode, headers: out, body: res.body, isBase64Encoded: false };
  };
}
