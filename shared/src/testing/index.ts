export * from './database.js';
export * from './tokens.js';
export * from './processes.js';
export * from './service-basics.js';
export * from './original/index.js';
