export * from './database.js';
export * from './tokens.js';
export * from './processes.js';
