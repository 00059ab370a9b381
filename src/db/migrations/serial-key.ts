import type { CreateTableBuilder } from 'kysely';
import type { DialectName } from '../capabilities.js';

/** An auto-numbered primary key column: bigserial on PostgreSQL, an INTEGER PRIMARY KEY AUTOINCREMENT on SQLite. */
export function serialKey<T extends string>(dialect: DialectName, table: CreateTableBuilder<T, never>, column: string): CreateTableBuilder<T, string> {
  return dialect === 'postgres'
    ? table.addColumn(column, 'bigserial', (c) => c.primaryKey())
    : table.addColumn(column, 'integer', (c) => c.primaryKey().autoIncrement());
}
