import { createHash } from 'node:crypto';
import type { PuenteDb } from '../db/index.js';
import { AlreadyExistsError, ConflictError, InvalidParameterError, NotFoundError, PermissionDeniedError } from '../errors/index.js';
import { AuthRepo, type GrantRow, type TokenRow, type UserRow } from './auth-repo.js';
import { OPEN_PRINCIPAL, grantKey, type Principal } from './principal.js';
import { parseResourceType, parseRole, parseScope, roleAtLeast, strongerRole, type ResourceRef, type ResourceType, type Role, type TokenScope } from './roles.js';
import { TOKEN_PREFIX, hashPassword, hashToken, newTokenSecret, verifyPassword } from './secrets.js';

/** A user as the API shows it: never with a password hash. */
export interface User {
  readonly username: string;
  readonly created_at: number;
  readonly disabled: boolean;
}

/** An API token as the API shows it: never with its secret (except once, at creation). */
export interface ApiToken {
  readonly id: number;
  readonly username: string;
  readonly name: string;
  readonly scope: TokenScope;
  readonly created_at: number;
  readonly expires_at: number | null;
  readonly last_used_at: number | null;
  readonly revoked_at: number | null;
  readonly rate_limit_per_minute: number | null;
}

export interface Grant {
  readonly id: number;
  readonly username: string;
  readonly role: Role;
  readonly resource_type: ResourceType;
  readonly resource_id: string;
  readonly created_at: number;
  readonly created_by: string | null;
}

export interface CreateTokenInput {
  readonly name?: string;
  readonly scope?: string;
  /** Milliseconds since the epoch; absent: never expires. */
  readonly expires_at?: number | null;
  readonly rate_limit_per_minute?: number | null;
}

export interface AuthServiceOptions {
  readonly db: PuenteDb;
  /** Whether a resource exists, so grants on unknown resources are refused. */
  readonly resourceExists: (ref: ResourceRef) => Promise<boolean>;
  /** How long an authenticated identity is reused without reading the store again. */
  readonly cacheMs?: number;
  readonly now?: () => number;
}

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/;
const MIN_PASSWORD = 8;
/** last_used_at is written at most this often per token, so reads do not turn into writes. */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * Identities and rights: users (argon2id passwords), API tokens (stored as SHA-256), grants of
 * roles globally or on one resource, and the resolution of a request's credentials into a
 * Principal. Resolved identities are cached briefly; every change here clears the cache, so
 * on one server a revocation takes effect at once (other replicas within `cacheMs`).
 */
export class AuthService {
  readonly #repo: AuthRepo;
  readonly #resourceExists: AuthServiceOptions['resourceExists'];
  readonly #cacheMs: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, { principal: Principal | null; until: number }>();
  #usersExist = false;
  #usersCheckedAt = -Infinity;

  constructor(options: AuthServiceOptions) {
    this.#repo = new AuthRepo(options.db);
    this.#resourceExists = options.resourceExists;
    this.#cacheMs = options.cacheMs ?? 2_000;
    this.#now = options.now ?? Date.now;
  }

  /** True once any user exists: from then on every non-public route needs credentials. */
  async enforced(): Promise<boolean> {
    // Once on, it stays on for this process: removing the last user must not open the server.
    if (this.#usersExist) return true;
    const now = this.#now();
    if (now - this.#usersCheckedAt < 1_000) return false;
    this.#usersCheckedAt = now;
    this.#usersExist = await this.#repo.hasUsers();
    return this.#usersExist;
  }

  /** True when users are known to exist, without asking the store (the per-request fast path). */
  get knownEnforced(): boolean {
    return this.#usersExist;
  }

  /**
   * The identity cached for these credentials: a Principal, null for credentials recently
   * refused, or undefined when the store must be asked (`authenticate`).
   */
  cachedPrincipal(authorization: string | undefined): Principal | null | undefined {
    if (!authorization) return null;
    const cached = this.#cache.get(cacheKeyOf(authorization));
    return cached && cached.until > this.#now() ? cached.principal : undefined;
  }

  /** The open-mode caller, for servers that have no users yet. */
  get openPrincipal(): Principal {
    return OPEN_PRINCIPAL;
  }

  // ---------------------------------------------------------------- credentials

  /**
   * The identity behind an Authorization header (Bearer token, or Basic with a password or a
   * token as the password), or null when it proves nothing. Never says which part was wrong.
   */
  async authenticate(authorization: string | undefined): Promise<Principal | null> {
    if (!authorization) return null;
    const space = authorization.indexOf(' ');
    const scheme = authorization.slice(0, space).toLowerCase();
    const value = authorization.slice(space + 1).trim();
    if (space < 0 || value === '') return null;
    const cacheKey = cacheKeyOf(authorization);
    const cached = this.#cache.get(cacheKey);
    const now = this.#now();
    if (cached && cached.until > now) return cached.principal;

    let principal: Principal | null = null;
    if (scheme === 'bearer') {
      principal = await this.#fromToken(value, null);
    } else if (scheme === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) principal = await this.#fromBasic(decoded.slice(0, colon), decoded.slice(colon + 1));
    }
    // Failures are cached too, briefly, so a client retrying a bad password does not cost an argon2 run each time.
    if (this.#cache.size > 10_000) this.#cache.clear();
    const until = principal ? Math.min(now + this.#cacheMs, principal.expiresAt ?? Infinity) : now + 1_000;
    this.#cache.set(cacheKey, { principal, until });
    return principal;
  }

  async #fromBasic(username: string, password: string): Promise<Principal | null> {
    // MLflow clients send MLFLOW_TRACKING_USERNAME/PASSWORD; a token as the password works too.
    if (password.startsWith(TOKEN_PREFIX)) return this.#fromToken(password, username);
    const user = await this.#repo.findUser(username);
    const ok = await verifyPassword(user?.password_hash ?? null, password);
    if (!ok || !user || user.disabled) return null;
    return this.#principalOf(user.user_id, user.username, null, 'all', null, null);
  }

  async #fromToken(secret: string, expectedUser: string | null): Promise<Principal | null> {
    const row = await this.#repo.findTokenByHash(hashToken(secret));
    const now = this.#now();
    if (!row || row.revoked_at !== null || row.disabled || (row.expires_at !== null && row.expires_at <= now)) return null;
    if (expectedUser !== null && expectedUser !== row.username) return null;
    if (row.last_used_at === null || now - row.last_used_at > TOUCH_INTERVAL_MS) await this.#repo.touchToken(row.token_id, now);
    return this.#principalOf(row.user_id, row.username, row.token_id, row.scope as TokenScope, row.rate_limit_per_minute, row.expires_at);
  }

  async #principalOf(
    userId: number, username: string, tokenId: number | null, scope: TokenScope, rateLimit: number | null, expiresAt: number | null,
  ): Promise<Principal> {
    let globalRole: Role | null = null;
    const grants = new Map<string, Role>();
    for (const g of await this.#repo.grantsOfUser(userId)) {
      const role = g.role as Role;
      if (g.resource_type === 'global') globalRole = strongerRole(globalRole, role);
      else grants.set(grantKey(g.resource_type as ResourceType, g.resource_id), role);
    }
    return Object.freeze({ username, userId, tokenId, scope, globalRole, grants, rateLimitPerMinute: rateLimit, expiresAt });
  }

  #changed(): void {
    this.#cache.clear();
  }

  // ---------------------------------------------------------------- bootstrap and users

  /**
   * Creates the first user, an admin, and an API token for them. Refused once any user exists:
   * later users are created by an admin.
   */
  async bootstrap(input: { username?: string; password?: string | null; token_name?: string }): Promise<{ user: User; token: string; token_info: ApiToken }> {
    const username = checkUsername(input.username ?? 'admin');
    const passwordHash = input.password ? await hashPassword(checkPassword(input.password)) : null;
    const secret = newTokenSecret();
    const now = this.#now();
    const tokenId = await this.#repo.transaction(async (tx) => {
      if (await this.#repo.hasUsers(tx)) {
        throw new ConflictError('This server already has users; ask an admin for an account or a token (bootstrap only creates the first admin).');
      }
      const userId = await this.#repo.insertUser(tx, username, passwordHash, now);
      await this.#repo.upsertGrant(tx, { user_id: userId, role: 'admin', resource_type: 'global', resource_id: '', created_at: now, created_by: 'bootstrap' });
      return this.#repo.insertToken(tx, {
        user_id: userId, name: input.token_name ?? 'bootstrap', token_hash: hashToken(secret), scope: 'all',
        created_at: now, expires_at: null, rate_limit_per_minute: null,
      });
    });
    this.#usersExist = true;
    this.#changed();
    return { user: { username, created_at: now, disabled: false }, token: secret, token_info: toToken((await this.#repo.findToken(tokenId))!) };
  }

  async createUser(input: { username?: unknown; password?: unknown; role?: unknown }, createdBy: string): Promise<User> {
    const username = checkUsername(input.username);
    const password = input.password === undefined || input.password === null ? null : checkPassword(input.password);
    const role = input.role === undefined || input.role === null ? null : parseRole(input.role);
    const hash = password === null ? null : await hashPassword(password);
    const now = this.#now();
    await this.#repo.transaction(async (tx) => {
      // The first user must be an admin, or nobody could manage the server once credentials are required.
      if (!(await this.#repo.hasUsers(tx))) {
        throw new ConflictError("This server has no users yet: create the first admin with 'puente admin bootstrap' before adding users.");
      }
      if (await this.#repo.findUser(username, tx)) throw new AlreadyExistsError(`User '${username}' already exists.`);
      const userId = await this.#repo.insertUser(tx, username, hash, now);
      if (role) await this.#repo.upsertGrant(tx, { user_id: userId, role, resource_type: 'global', resource_id: '', created_at: now, created_by: createdBy });
    });
    this.#usersExist = true;
    this.#changed();
    return { username, created_at: now, disabled: false };
  }

  async getUser(username: string): Promise<User> {
    return toUser(await this.#user(username));
  }

  async listUsers(): Promise<User[]> {
    return (await this.#repo.listUsers()).map(toUser);
  }

  async updateUser(username: string, changes: { password?: unknown; disabled?: unknown }): Promise<User> {
    const user = await this.#user(username);
    const set: { password_hash?: string | null; disabled?: number } = {};
    if (changes.password !== undefined) set.password_hash = changes.password === null ? null : await hashPassword(checkPassword(changes.password));
    if (changes.disabled !== undefined) {
      if (typeof changes.disabled !== 'boolean') throw new InvalidParameterError("'disabled' must be true or false.", 'disabled');
      set.disabled = changes.disabled ? 1 : 0;
    }
    if (Object.keys(set).length > 0) await this.#repo.updateUser(user.user_id, set);
    this.#changed();
    return this.getUser(username);
  }

  async deleteUser(username: string): Promise<void> {
    const user = await this.#user(username);
    await this.#repo.deleteUser(user.user_id);
    this.#changed();
  }

  async #user(username: string): Promise<UserRow> {
    const user = await this.#repo.findUser(username);
    if (!user) throw new NotFoundError(`User '${username}' does not exist.`, 'user');
    return user;
  }

  // ---------------------------------------------------------------- tokens

  /** A new token for a user. The secret is in the answer and nowhere else, ever. */
  async createToken(username: string, input: CreateTokenInput): Promise<{ token: string; token_info: ApiToken }> {
    const user = await this.#user(username);
    const name = input.name === undefined ? 'token' : input.name;
    if (typeof name !== 'string' || name.length === 0 || name.length > 256) throw new InvalidParameterError("'name' must be 1-256 characters.", 'name');
    const scope = parseScope(input.scope);
    const now = this.#now();
    const expires = input.expires_at ?? null;
    if (expires !== null && (!Number.isInteger(expires) || expires <= now)) {
      throw new InvalidParameterError("'expires_at' must be a time in the future, in milliseconds since the epoch.", 'expires_at');
    }
    const rate = input.rate_limit_per_minute ?? null;
    if (rate !== null && (!Number.isInteger(rate) || rate <= 0)) throw new InvalidParameterError("'rate_limit_per_minute' must be a positive integer.", 'rate_limit_per_minute');
    const secret = newTokenSecret();
    const id = await this.#repo.insertToken(this.#repo.kysely, {
      user_id: user.user_id, name, token_hash: hashToken(secret), scope, created_at: now, expires_at: expires, rate_limit_per_minute: rate,
    });
    return { token: secret, token_info: toToken((await this.#repo.findToken(id))!) };
  }

  /** Tokens of one user, or of everyone when username is null. */
  async listTokens(username: string | null): Promise<ApiToken[]> {
    const userId = username === null ? null : (await this.#user(username)).user_id;
    return (await this.#repo.listTokens(userId)).map(toToken);
  }

  async getToken(tokenId: number): Promise<ApiToken> {
    const row = await this.#repo.findToken(tokenId);
    if (!row) throw new NotFoundError(`Token ${tokenId} does not exist.`, 'token');
    return toToken(row);
  }

  async revokeToken(tokenId: number): Promise<ApiToken> {
    await this.getToken(tokenId);
    await this.#repo.revokeToken(tokenId, this.#now());
    this.#changed();
    return this.getToken(tokenId);
  }

  // ---------------------------------------------------------------- grants

  /** Grants a role on a resource (or globally); replaces the role held there before. */
  async grant(input: { username?: unknown; role?: unknown; resource_type?: unknown; resource_id?: unknown }, createdBy: string): Promise<Grant> {
    if (typeof input.username !== 'string') throw new InvalidParameterError("'username' is required.", 'username');
    const user = await this.#user(input.username);
    const role = parseRole(input.role);
    const type = parseResourceType(input.resource_type ?? 'global');
    const id = type === 'global' ? '' : String(input.resource_id ?? '');
    if (type !== 'global') {
      if (id === '') throw new InvalidParameterError(`A grant on a ${type} needs 'resource_id'.`, 'resource_id');
      if (!(await this.#resourceExists({ type, id }))) throw new InvalidParameterError(`No ${type.replace('_', ' ')} '${id}' exists to grant a role on.`, 'resource_id');
    }
    await this.#repo.upsertGrant(this.#repo.kysely, { user_id: user.user_id, role, resource_type: type, resource_id: id, created_at: this.#now(), created_by: createdBy });
    this.#changed();
    const [grant] = await this.#repo.listGrants({ userId: user.user_id, resourceType: type, resourceId: id });
    return toGrant(grant!);
  }

  async listGrants(filter: { username?: string; resource_type?: string; resource_id?: string } = {}): Promise<Grant[]> {
    const userId = filter.username === undefined ? undefined : (await this.#user(filter.username)).user_id;
    const type = filter.resource_type === undefined ? undefined : parseResourceType(filter.resource_type);
    return (await this.#repo.listGrants({ userId, resourceType: type, resourceId: filter.resource_id })).map(toGrant);
  }

  async getGrant(grantId: number): Promise<Grant> {
    const row = await this.#repo.findGrant(grantId);
    if (!row) throw new NotFoundError(`Grant ${grantId} does not exist.`, 'grant');
    return toGrant(row);
  }

  async revokeGrant(grantId: number): Promise<void> {
    await this.getGrant(grantId);
    await this.#repo.deleteGrant(grantId);
    this.#changed();
  }

  /**
   * Makes the creator of a resource its admin, as MLflow's auth gives creators MANAGE. Skipped for
   * the open-mode caller and for callers whose global role already covers it.
   */
  async grantCreator(principal: Principal, ref: ResourceRef): Promise<void> {
    if (principal.userId === null || roleAtLeast(principal.globalRole, 'admin')) return;
    await this.#repo.upsertGrant(this.#repo.kysely, {
      user_id: principal.userId, role: 'admin', resource_type: ref.type, resource_id: ref.id, created_at: this.#now(), created_by: principal.username,
    });
    this.#changed();
  }

  /** Keeps grants attached to a resource whose id changed (a renamed registered model). */
  async resourceRenamed(type: ResourceRef['type'], from: string, to: string): Promise<void> {
    await this.#repo.renameResource(type, from, to);
    this.#changed();
  }

  /** Drops grants of a deleted resource, so a new one with the same id starts clean. */
  async resourceDeleted(ref: ResourceRef): Promise<void> {
    await this.#repo.deleteResourceGrants(ref.type, ref.id);
    this.#changed();
  }

  /** A user's id and every grant they hold (for MLflow's user JSON). */
  async describeUser(username: string): Promise<{ id: number; username: string; grants: Grant[] }> {
    const user = await this.#user(username);
    const grants = (await this.#repo.listGrants({ userId: user.user_id })).map(toGrant);
    return { id: Number(user.user_id), username: user.username, grants };
  }

  /** The grant a user holds on exactly this resource ('global' with id '' for global), or null. */
  async grantOn(username: string, type: ResourceType, id: string): Promise<Grant | null> {
    const user = await this.#user(username);
    const [row] = await this.#repo.listGrants({ userId: user.user_id, resourceType: type, resourceId: id });
    return row ? toGrant(row) : null;
  }

  /** Throws PermissionDeniedError unless the principal is a global admin. */
  requireAdmin(principal: Principal): void {
    if (!roleAtLeast(principal.globalRole, 'admin')) throw new PermissionDeniedError(`User '${principal.username}' is not an admin.`);
  }
}

/** Credentials are cached under their hash, so the cache holds no secret. */
function cacheKeyOf(authorization: string): string {
  return createHash('sha256').update(authorization).digest('base64');
}

function checkUsername(value: unknown): string {
  if (typeof value !== 'string' || !USERNAME.test(value)) {
    throw new InvalidParameterError("'username' must be 1-128 characters: letters, digits, '.', '_', '@' or '-', starting with a letter or digit.", 'username');
  }
  return value;
}

function checkPassword(value: unknown): string {
  if (typeof value !== 'string' || value.length < MIN_PASSWORD || value.length > 1024) {
    throw new InvalidParameterError(`'password' must be ${MIN_PASSWORD}-1024 characters.`, 'password');
  }
  return value;
}

function toUser(row: UserRow): User {
  return { username: row.username, created_at: Number(row.created_at), disabled: row.disabled === 1 };
}

function toToken(row: TokenRow): ApiToken {
  return {
    id: Number(row.token_id), username: row.username, name: row.name, scope: row.scope as TokenScope,
    created_at: Number(row.created_at), expires_at: row.expires_at, last_used_at: row.last_used_at, revoked_at: row.revoked_at,
    rate_limit_per_minute: row.rate_limit_per_minute,
  };
}

function toGrant(row: GrantRow): Grant {
  return {
    id: Number(row.grant_id), username: row.username, role: row.role as Role, resource_type: row.resource_type as ResourceType,
    resource_id: row.resource_id, created_at: Number(row.created_at), created_by: row.created_by,
  };
}
