export * from './database.js';
export * from './tokens.js';
export * from './processes.js';
export { entryArguments } from './prebuilt.js';
export * from './service-basics.js';
export * from './original/index.js';
export * from './original/auth-accounts.js';
export * from './original/auth-chain.js';
export * from './original/auth-snapshot.js';
