import type { FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';

/** Cross-origin access for the listed browser origins only; with none listed, no CORS headers at all. */
export function installCors(app: FastifyInstance, origins: readonly string[]): void {
  if (origins.length === 0) return;
  const allowed = new Set(origins);
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (origin === undefined || !allowed.has(origin)) return;
    reply.header('access-control-allow-origin', origin).header('vary', 'Origin').header('access-control-allow-credentials', 'true');
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method']) {
      // A preflight carries no credentials: answer it before authentication runs.
      reply
        .header('access-control-allow-methods', 'GET, POST, PUT, PATCH, DELETE')
        .header('access-control-allow-headers', 'authorization, content-type')
        .header('access-control-max-age', '600')
        .code(204)
        .send();
    }
  });
}

/** Tells browsers to use HTTPS only, for a year; sent only when the server itself speaks TLS. */
export function installHsts(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    return payload;
  });
}

/**
 * Requests per minute per API token (its own limit, else the server default), per user for
 * password logins, per address for anonymous callers. Runs after authentication, so the key is
 * the caller, not the address. Without a default, only tokens that set a limit are limited.
 */
export async function installRateLimit(app: FastifyInstance, defaultPerMinute: number | null): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    timeWindow: 60_000,
    max: async (request) => request.principal?.rateLimitPerMinute ?? defaultPerMinute ?? Number.MAX_SAFE_INTEGER,
    keyGenerator: (request) => {
      const p = request.principal;
      if (p?.tokenId != null) return `token:${p.tokenId}`;
      if (p?.userId != null) return `user:${p.userId}`;
      return `ip:${request.ip}`;
    },
    allowList: (request) => request.accessPolicy?.kind === 'public',
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      error_code: 'REQUEST_LIMIT_EXCEEDED',
      message: `Rate limit of ${context.max} requests per minute exceeded; retry in ${Math.ceil(context.ttl / 1000)} s.`,
    }),
  });
}
