import type { Kysely, Selectable, Transaction } from 'kysely';
import type { ApiTokensTable, Database, GrantsTable, PuenteDb, UsersTable } from '../db/index.js';

type Executor = Kysely<Database> | Transaction<Database>;

export type UserRow = Selectable<UsersTable>;

/** A token with its user's name; never its hash. */
export type TokenRow = Omit<Selectable<ApiTokensTable>, 'token_hash'> & { username: string };

/** A grant with its user's name. */
export type GrantRow = Selectable<GrantsTable> & { username: string };

/** SQL for users, tokens and grants. Callers validate; this layer only reads and writes rows. */
export class AuthRepo {
  readonly #db: PuenteDb;

  constructor(db: PuenteDb) {
    this.#db = db;
  }

  get kysely(): Kysely<Database> {
    return this.#db.kysely;
  }

  transaction<T>(work: (tx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.#db.kysely.transaction().execute(work);
  }

  async hasUsers(ex: Executor = this.kysely): Promise<boolean> {
    const row = await ex.selectFrom('users').select('user_id').limit(1).executeTakeFirst();
    return row !== undefined;
  }

  async insertUser(ex: Executor, username: string, passwordHash: string | null, now: number): Promise<number> {
    const row = await ex
      .insertInto('users')
      .values({ username, password_hash: passwordHash, created_at: now, disabled: 0 })
      .returning('user_id')
      .executeTakeFirstOrThrow();
    return Number(row.user_id);
  }

  async findUser(username: string, ex: Executor = this.kysely): Promise<UserRow | undefined> {
    return ex.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
  }

  async listUsers(): Promise<UserRow[]> {
    return this.kysely.selectFrom('users').selectAll().orderBy('username').execute();
  }

  async updateUser(userId: number, changes: { password_hash?: string | null; disabled?: number }): Promise<void> {
    await this.kysely.updateTable('users').set(changes).where('user_id', '=', userId).execute();
  }

  async deleteUser(userId: number): Promise<void> {
    await this.transaction(async (tx) => {
      await tx.deleteFrom('api_tokens').where('user_id', '=', userId).execute();
      await tx.deleteFrom('grants').where('user_id', '=', userId).execute();
      await tx.deleteFrom('users').where('user_id', '=', userId).execute();
    });
  }

  async insertToken(
    ex: Executor,
    token: { user_id: number; name: string; token_hash: string; scope: string; created_at: number; expires_at: number | null; rate_limit_per_minute: number | null },
  ): Promise<number> {
    const row = await ex
      .insertInto('api_tokens')
      .values({ ...token, last_used_at: null, revoked_at: null })
      .returning('token_id')
      .executeTakeFirstOrThrow();
    return Number(row.token_id);
  }

  /** A token with its user, by the hash of its secret. */
  async findTokenByHash(tokenHash: string): Promise<(TokenRow & { disabled: number }) | undefined> {
    return this.kysely
      .selectFrom('api_tokens as t')
      .innerJoin('users as u', 'u.user_id', 't.user_id')
      .select([
        't.token_id', 't.user_id', 'u.username', 'u.disabled', 't.name', 't.scope', 't.created_at',
        't.expires_at', 't.last_used_at', 't.revoked_at', 't.rate_limit_per_minute',
      ])
      .where('t.token_hash', '=', tokenHash)
      .executeTakeFirst();
  }

  async findToken(tokenId: number): Promise<TokenRow | undefined> {
    return this.tokensQuery().where('t.token_id', '=', tokenId).executeTakeFirst();
  }

  async listTokens(userId: number | null): Promise<TokenRow[]> {
    let q = this.tokensQuery();
    if (userId !== null) q = q.where('t.user_id', '=', userId);
    return q.orderBy('t.token_id').execute();
  }

  private tokensQuery() {
    return this.kysely
      .selectFrom('api_tokens as t')
      .innerJoin('users as u', 'u.user_id', 't.user_id')
      .select([
        't.token_id', 't.user_id', 'u.username', 't.name', 't.scope', 't.created_at',
        't.expires_at', 't.last_used_at', 't.revoked_at', 't.rate_limit_per_minute',
      ]);
  }

  async touchToken(tokenId: number, now: number): Promise<void> {
    await this.kysely.updateTable('api_tokens').set({ last_used_at: now }).where('token_id', '=', tokenId).execute();
  }

  async revokeToken(tokenId: number, now: number): Promise<void> {
    await this.kysely.updateTable('api_tokens').set({ revoked_at: now }).where('token_id', '=', tokenId).where('revoked_at', 'is', null).execute();
  }

  async grantsOfUser(userId: number): Promise<{ role: string; resource_type: string; resource_id: string }[]> {
    return this.kysely.selectFrom('grants').select(['role', 'resource_type', 'resource_id']).where('user_id', '=', userId).execute();
  }

  /** Inserts a grant, or changes the role of the existing one on the same resource. */
  async upsertGrant(
    ex: Executor,
    grant: { user_id: number; role: string; resource_type: string; resource_id: string; created_at: number; created_by: string | null },
  ): Promise<void> {
    await ex
      .insertInto('grants')
      .values(grant)
      .onConflict((oc) => oc.columns(['user_id', 'resource_type', 'resource_id']).doUpdateSet({ role: grant.role, created_by: grant.created_by }))
      .execute();
  }

  async listGrants(filter: { userId?: number; resourceType?: string; resourceId?: string }): Promise<GrantRow[]> {
    let q = this.kysely
      .selectFrom('grants as g')
      .innerJoin('users as u', 'u.user_id', 'g.user_id')
      .select(['g.grant_id', 'g.user_id', 'u.username', 'g.role', 'g.resource_type', 'g.resource_id', 'g.created_at', 'g.created_by']);
    if (filter.userId !== undefined) q = q.where('g.user_id', '=', filter.userId);
    if (filter.resourceType !== undefined) q = q.where('g.resource_type', '=', filter.resourceType);
    if (filter.resourceId !== undefined) q = q.where('g.resource_id', '=', filter.resourceId);
    return q.orderBy('g.grant_id').execute();
  }

  async findGrant(grantId: number): Promise<GrantRow | undefined> {
    return (await this.kysely
      .selectFrom('grants as g')
      .innerJoin('users as u', 'u.user_id', 'g.user_id')
      .select(['g.grant_id', 'g.user_id', 'u.username', 'g.role', 'g.resource_type', 'g.resource_id', 'g.created_at', 'g.created_by'])
      .where('g.grant_id', '=', grantId)
      .executeTakeFirst());
  }

  async deleteGrant(grantId: number): Promise<void> {
    await this.kysely.deleteFrom('grants').where('grant_id', '=', grantId).execute();
  }

  async renameResource(type: string, from: string, to: string): Promise<void> {
    await this.kysely.updateTable('grants').set({ resource_id: to }).where('resource_type', '=', type).where('resource_id', '=', from).execute();
  }

  async deleteResourceGrants(type: string, id: string): Promise<void> {
    await this.kysely.deleteFrom('grants').where('resource_type', '=', type).where('resource_id', '=', id).execute();
  }
}
