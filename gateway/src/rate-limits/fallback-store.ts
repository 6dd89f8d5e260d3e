import { createRequire } from 'node:module';
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import { Counter } from 'prom-client';
import { registry } from '@cloud-backend/shared';

export interface Count {
  current: number;
  ttl: number;
}

export type CountCallback = (error: Error | null, result?: Count) => void;

/** The store interface of @fastify/rate-limit (its stores' incr, read and child). */
export interface CountingStore {
  incr(key: string, callback: CountCallback, timeWindow: number, max: number): void;
  read?(key: string, callback: CountCallback, timeWindow: number, max: number): void;
  child(options: object): CountingStore;
}

// @fastify/rate-limit's own stores, which its index does not export, with their constructors as
// its store/*.js define them.
const require = createRequire(import.meta.url);
const LocalStore = require('@fastify/rate-limit/store/LocalStore') as new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
  cache?: number,
) => CountingStore;
const RedisStore = require('@fastify/rate-limit/store/RedisStore') as new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
  redis: Redis,
  key?: string,
) => CountingStore;

/** What @fastify/rate-limit passes a store's constructor (its global settings). */
interface StoreSettings {
  continueExceeding?: boolean;
  exponentialBackoff?: boolean;
  cache?: number;
}

const storeErrors = new Counter({
  name: 'gateway_rate_limit_store_errors_total',
  help:
    'Rate-limit checks the shared Redis store could not answer, counted in the replica’s own ' +
    'memory instead (limits per replica while it rises)',
  registers: [registry],
});

// After a failed call, Redis is left alone this long: a stalled server (each command waits for
// ioredis' 500 ms timeout) must not slow every request down.
const RETRY_SHARED_AFTER_MS = 1000;

/**
 * Whether the rate limits currently count in Redis (shared by every replica) or in this
 * replica's memory, for every FallbackStore of one gateway.
 */
export class SharedStoreState {
  private failingSince = 0;
  private retryAt = 0;

  constructor(
    private readonly redis: Redis,
    private readonly log: FastifyBaseLogger,
  ) {
    // A reconnected client is used by the next check; /health need not wait for one.
    redis.on('ready', () => {
      this.succeeded();
    });
  }

  /** True while Redis is disconnected or the last call to it failed: each replica counts alone. */
  get perReplica(): boolean {
    return this.failingSince !== 0 || this.redis.status !== 'ready';
  }

  useShared(now = Date.now()): boolean {
    if (now >= this.retryAt) return true;
    storeErrors.inc();
    return false;
  }

  succeeded(): void {
    if (this.failingSince !== 0) {
      this.log.info(
        { perReplicaMs: Date.now() - this.failingSince },
        'Redis answers again: rate limits are shared between replicas again',
      );
    }
    this.failingSince = 0;
    this.retryAt = 0;
  }

  failed(err: Error): void {
    storeErrors.inc();
    const now = Date.now();
    this.retryAt = now + RETRY_SHARED_AFTER_MS;
    if (this.failingSince === 0) {
      this.failingSince = now;
      this.log.warn({ err }, 'Redis unreachable: rate limits count per replica until it answers');
    }
  }
}

/**
 * A rate-limit store that counts in Redis and, when Redis cannot answer, in this replica's
 * memory (@fastify/rate-limit's own LRU store), so that a limit never switches off: with N
 * replicas a client gets at most N times the limit while Redis is away. Redis is asked again a
 * second after a failure; once it answers, the shared counts are used again.
 */
export class FallbackStore implements CountingStore {
  constructor(
    private readonly shared: CountingStore,
    private readonly local: CountingStore,
    private readonly state: SharedStoreState,
  ) {}

  incr(key: string, callback: CountCallback, timeWindow: number, max: number): void {
    this.count('incr', key, callback, timeWindow, max);
  }

  read(key: string, callback: CountCallback, timeWindow: number, max: number): void {
    this.count('read', key, callback, timeWindow, max);
  }

  child(options: object): CountingStore {
    return new FallbackStore(this.shared.child(options), this.local.child(options), this.state);
  }

  private count(
    method: 'incr' | 'read',
    key: string,
    callback: CountCallback,
    timeWindow: number,
    max: number,
  ): void {
    const local = () => {
      if (method === 'incr') this.local.incr(key, callback, timeWindow, max);
      else if (this.local.read) this.local.read(key, callback, timeWindow, max);
      else callback(null, { current: 0, ttl: 0 });
    };
    if (!this.state.useShared() || (method === 'read' && !this.shared.read)) {
      local();
      return;
    }
    const answered: CountCallback = (error, result) => {
      if (error || !result) {
        this.state.failed(error ?? new Error('the rate-limit store answered nothing'));
        local();
        return;
      }
      this.state.succeeded();
      callback(null, result);
    };
    if (method === 'incr') this.shared.incr(key, answered, timeWindow, max);
    else this.shared.read?.(key, answered, timeWindow, max);
  }
}

/** The store constructor @fastify/rate-limit's `store` option takes, bound to one Redis client. */
export function fallbackStore(
  redis: Redis,
  nameSpace: string,
  state: SharedStoreState,
): new (settings: StoreSettings) => CountingStore {
  return class extends FallbackStore {
    constructor(settings: StoreSettings) {
      const continueExceeding = settings.continueExceeding ?? false;
      const exponentialBackoff = settings.exponentialBackoff ?? false;
      super(
        new RedisStore(continueExceeding, exponentialBackoff, redis, nameSpace),
        new LocalStore(continueExceeding, exponentialBackoff, settings.cache),
        state,
      );
    }
  };
}
