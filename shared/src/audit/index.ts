export * from './events.js';
export * from './outbox.js';
