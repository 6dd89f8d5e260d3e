// @fastify/rate-limit's own stores, which its index does not export: the gateway wraps them
// (fallback-store.ts). Their constructors and methods as the package's store/*.js define them.
declare module '@fastify/rate-limit/store/LocalStore.js' {
  import type { CountingStore } from './fallback-store.js';

  const LocalStore: new (
    continueExceeding: boolean,
    exponentialBackoff: boolean,
    cache?: number,
  ) => CountingStore;
  export default LocalStore;
}

declare module '@fastify/rate-limit/store/RedisStore.js' {
  import type { Redis } from 'ioredis';
  import type { CountingStore } from './fallback-store.js';

  const RedisStore: new (
    continueExceeding: boolean,
    exponentialBackoff: boolean,
    redis: Redis,
    key?: string,
  ) => CountingStore;
  export default RedisStore;
}
