/** The metadata store: Kysely over SQLite or PostgreSQL, migrations, and engine capabilities. */
export { createDb, type PuenteDb, type CreateDbOptions } from './create-db.js';
export { capabilitiesFor, type DbCapabilities, type DialectName } from './capabilities.js';
export type * from './schema.js';
