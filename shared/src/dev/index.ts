export * from './embedded-postgres.js';
export * from './provision.js';
export * from './free-port.js';
