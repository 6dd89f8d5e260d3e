// Fixtures of what the original go-cloud-backend leaves behind: its user database built by its
// migration files and written by each generation of its code, its social-log database, and its
// nightly backups. See README.md in this folder.
export * from './backups.js';
export * from './behaviour.js';
export * from './catalog.js';
export * from './databases.js';
export * from './describe.js';
export * from './event-tables.js';
export * from './older-generations.js';
export * from './people.js';
export * from './psql-files.js';
export * from './qr-token.js';
export * from './run-statements.js';
export * from './scenarios.js';
export * from './snapshot.js';
export * from './social.js';
export * from './user-chain.js';
export * from './user-chain-sql.js';
export * from './user-data.js';
export type { WriteError } from './write-helpers.js';
