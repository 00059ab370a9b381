import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { can, roleAtLeast, type AuthService, type Principal, type ResourceRef } from '../../auth/index.js';
import type { AuditService } from '../../audit/index.js';
import { PermissionDeniedError, PuenteError, UnauthenticatedError } from '../../errors/index.js';
import { policyFor } from './route-policies.js';
import type { AccessPolicy, ResourceLookup, SnapshotKind } from './policy.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set for every route from the policy table when the route is registered. */
    policy?: AccessPolicy;
  }
  interface FastifyRequest {
    /** Who the request acts as; set before any handler runs. */
    principal: Principal;
    /** The resources the request was authorized on (null: none named). */
    accessResources: ResourceRef[] | null;
    /** The route's policy, read once per request (Fastify builds routeOptions anew on each read). */
    accessPolicy: AccessPolicy | undefined;
  }
}

export interface AccessControlOptions {
  readonly auth: AuthService;
  /** Absent: the audit log is off (benchmarks of its cost). */
  readonly audit: AuditService | null;
  readonly lookup: ResourceLookup;
  /** The state of a resource before a change, for the audit log. */
  readonly snapshot: (kind: SnapshotKind, id: string) => Promise<unknown>;
}

const ANONYMOUS: Principal = Object.freeze({
  username: 'anonymous', userId: null, tokenId: null, scope: 'all', globalRole: null, grants: new Map(), rateLimitPerMinute: null, expiresAt: null,
});
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Request and response fields whose values never reach the audit log. */
const SECRET_KEYS = /^(password|token|secret|authorization|api_key|master_key)$/i;

/**
 * Authentication, authorization and auditing for every route, from the one policy table:
 * - onRoute: attaches each route's policy (none → the route answers 500, never runs unchecked);
 * - onRequest: resolves credentials into a Principal (401 when they are missing or wrong);
 * - preValidation: checks the role the policy asks for on the resources it names (403);
 * - onSend: keeps grants in step with created, renamed and deleted resources;
 * - onResponse: appends one audit record per mutating request.
 */
export function installAccessControl(app: FastifyInstance, options: AccessControlOptions): void {
  const { auth, audit, lookup } = options;
  app.decorateRequest('principal', null as unknown as Principal);
  app.decorateRequest('accessResources', null);
  app.decorateRequest('accessPolicy', undefined);

  app.addHook('onRoute', (route) => {
    const method = [route.method].flat()[0]!;
    const policy = policyFor(method === 'HEAD' ? 'GET' : method, route.url);
    if (policy) route.config = { ...(route.config ?? {}), policy } as typeof route.config;
  });

  // Callback style with a synchronous fast path: a cached identity costs no promise per request.
  app.addHook('onRequest', (request, reply, done) => {
    let pending: Promise<void> | undefined;
    try {
      pending = identify(request, reply);
    } catch (err) {
      done(err as Error);
      return;
    }
    if (pending === undefined) done();
    else pending.then(() => done(), (err: Error) => done(err));
  });

  /** Sets request.principal; returns a promise only when the store must be read. */
  function identify(request: FastifyRequest, reply: FastifyReply): Promise<void> | undefined {
    const policy = request.routeOptions.config.policy;
    request.accessPolicy = policy;
    if (request.is404) {
      // No route matched: the not-found handler answers, but only callers with credentials learn which paths exist.
      request.principal = ANONYMOUS;
      return auth.enforced().then((on) => (on ? authenticate(request, reply, policy) : undefined));
    }
    if (policy === undefined) throw new PuenteError('INTERNAL_ERROR', `No access policy is declared for ${request.method} ${request.routeOptions.url}.`);
    if (policy.kind === 'public') {
      request.principal = ANONYMOUS;
      return undefined;
    }
    if (auth.knownEnforced) {
      const cached = auth.cachedPrincipal(request.headers.authorization);
      if (cached !== undefined) {
        accept(request, reply, policy, cached);
        return undefined;
      }
      return authenticate(request, reply, policy);
    }
    return auth.enforced().then((on) => {
      if (on) return authenticate(request, reply, policy);
      request.principal = auth.openPrincipal;
      return undefined;
    });
  }

  async function authenticate(request: FastifyRequest, reply: FastifyReply, policy: AccessPolicy | undefined): Promise<void> {
    accept(request, reply, policy, await auth.authenticate(request.headers.authorization));
  }

  /** Takes a resolved identity, or answers 401 (no identity) or 403 (a token scoped to inference elsewhere). */
  function accept(request: FastifyRequest, reply: FastifyReply, policy: AccessPolicy | undefined, principal: Principal | null): void {
    if (principal === null) {
      reply.header('www-authenticate', 'Bearer realm="puente", Basic realm="puente"');
      throw new UnauthenticatedError(
        request.headers.authorization
          ? 'Invalid credentials: the token or the username and password were not accepted (or the token expired or was revoked).'
          : undefined,
      );
    }
    request.principal = principal;
    if (principal.scope === 'inference' && policy !== undefined && !(policy.kind === 'role' && policy.inference === true)) {
      throw new PermissionDeniedError('This token may only call inference endpoints; use a token with scope "all" for this request.');
    }
  }

  // Before validation, so a caller without the role learns nothing about what a valid request looks like.
  app.addHook('preValidation', async (request) => {
    const policy = request.accessPolicy;
    if (policy?.kind !== 'role') return;
    const principal = request.principal;
    const refs = policy.resource ? await policy.resource(request, lookup) : null;
    request.accessResources = refs;
    if (policy.search) return;
    if (refs === null || refs.length === 0) {
      if (!roleAtLeast(principal.globalRole, policy.role)) {
        throw new PermissionDeniedError(`User '${principal.username}' needs the ${policy.role} role for ${request.method} ${request.routeOptions.url}.`);
      }
    } else {
      for (const ref of refs) {
        if (!can(principal, policy.role, ref)) {
          throw new PermissionDeniedError(`User '${principal.username}' needs the ${policy.role} role on ${ref.type.replace('_', ' ')} '${ref.id}'.`);
        }
      }
    }
    if (audit && policy.snapshot && refs?.[0]) {
      (request as AuditedRequest).auditBefore = await options.snapshot(policy.snapshot, refs[0].id).catch(() => null);
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const policy = request.accessPolicy;
    if (policy?.kind !== 'role' || reply.statusCode >= 300 || READ_METHODS.has(request.method)) return payload;
    if (policy.creates) {
      const id = policy.creates === 'experiment' ? responseField(payload, 'experiment_id') : requestBodyField(request, 'name');
      if (id !== undefined) await auth.grantCreator(request.principal, { type: policy.creates, id });
    }
    const ref = request.accessResources?.[0];
    if (policy.renames && ref) {
      const to = requestBodyField(request, policy.renames);
      if (to !== undefined && to !== ref.id) await auth.resourceRenamed(ref.type, ref.id, to);
    }
    if (policy.deletes && ref) await auth.resourceDeleted(ref);
    if (audit && !READ_METHODS.has(request.method)) (request as AuditedRequest).auditResponse = payload;
    return payload;
  });

  if (audit) {
    app.addHook('onResponse', async (request, reply) => {
      if (READ_METHODS.has(request.method) || reply.statusCode === 401 || request.is404) return;
      const policy = request.accessPolicy;
      if (policy?.kind === 'role' && policy.role === 'viewer') return; // searches sent as POST
      const audited = request as AuditedRequest;
      const ref = request.accessResources?.[0];
      audit.append({
        actor: request.principal?.username ?? 'anonymous',
        action: `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`,
        resource_type: ref?.type ?? (policy?.kind === 'role' && policy.creates ? policy.creates : 'global'),
        resource_id: ref?.id ?? (policy?.kind === 'role' && policy.creates ? createdId(policy.creates, request, audited.auditResponse) ?? '' : ''),
        status: reply.statusCode,
        source: request.ip,
        summary: {
          request: redact({ params: request.params, query: request.query, body: typeof request.body === 'object' ? request.body : undefined }),
          ...(audited.auditBefore !== undefined ? { before: audited.auditBefore } : {}),
          ...(audited.auditResponse !== undefined ? { response: redact(parseJson(audited.auditResponse)) } : {}),
        },
      });
    });
  }
}

interface AuditedRequest extends FastifyRequest {
  auditBefore?: unknown;
  auditResponse?: unknown;
}

function createdId(kind: string, request: FastifyRequest, payload: unknown): string | undefined {
  return kind === 'experiment' ? responseField(payload, 'experiment_id') : requestBodyField(request, 'name');
}

function requestBodyField(request: FastifyRequest, name: string): string | undefined {
  const body = request.body as Record<string, unknown> | undefined;
  const v = body && typeof body === 'object' ? body[name] : undefined;
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function responseField(payload: unknown, name: string): string | undefined {
  const parsed = parseJson(payload) as Record<string, unknown> | undefined;
  const v = parsed && typeof parsed === 'object' ? parsed[name] : undefined;
  return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
}

/** A small JSON payload as a value; streams and large bodies are not kept. */
function parseJson(payload: unknown): unknown {
  if (typeof payload !== 'string' || payload.length > 4_000) return undefined;
  try {
    return JSON.parse(payload);
  } catch {
    return undefined;
  }
}

/** A copy with secret-looking fields replaced, so passwords and tokens never reach the audit log. */
function redact(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEYS.test(k) ? '[redacted]' : redact(v, depth + 1);
  return out;
}
