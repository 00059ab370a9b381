import { type Expression, type RawBuilder, type SqlBool, sql } from 'kysely';

/** The SQL engines Puente runs on. */
export type DialectName = 'sqlite' | 'postgres';

/**
 * What differs between the engines, as functions and flags, so that no code outside `db/`
 * ever asks which engine it runs on.
 */
export interface DbCapabilities {
  readonly dialect: DialectName;
  /** Case-sensitive SQL LIKE. */
  like(value: Expression<unknown>, pattern: Expression<unknown> | string): RawBuilder<SqlBool>;
  /** Case-insensitive SQL LIKE. */
  ilike(value: Expression<unknown>, pattern: Expression<unknown> | string): RawBuilder<SqlBool>;
  /** Most bound parameters one statement may carry. */
  readonly maxParameters: number;
}

function asExpression(pattern: Expression<unknown> | string): Expression<unknown> | RawBuilder<unknown> {
  return typeof pattern === 'string' ? sql.val(pattern) : pattern;
}

/** Capabilities of one dialect. */
export function capabilitiesFor(dialect: DialectName): DbCapabilities {
  if (dialect === 'postgres') {
    return Object.freeze({
      dialect,
      // No escape character, as in SQLite: a backslash in a pattern is a plain character on both.
      like: (v: Expression<unknown>, p: Expression<unknown> | string) => sql<SqlBool>`${v} LIKE ${asExpression(p)} ESCAPE ''`,
      ilike: (v: Expression<unknown>, p: Expression<unknown> | string) => sql<SqlBool>`${v} ILIKE ${asExpression(p)} ESCAPE ''`,
      maxParameters: 65_000,
    });
  }
  // SQLite connections run with case_sensitive_like on (see create-db), so LIKE is case-sensitive as in PostgreSQL.
  return Object.freeze({
    dialect,
    like: (v: Expression<unknown>, p: Expression<unknown> | string) => sql<SqlBool>`${v} LIKE ${asExpression(p)}`,
    ilike: (v: Expression<unknown>, p: Expression<unknown> | string) => sql<SqlBool>`lower(${v}) LIKE lower(${asExpression(p)})`,
    maxParameters: 32_000,
  });
}
