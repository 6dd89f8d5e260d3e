export * from './embedded-postgres.js';
export * from './provision.js';
export * from './free-port.js';
export { BINARY_CACHE, DATA_HOME } from './postgres-placement.js';
export { PostgresStartError } from './postgres-start-error.js';
