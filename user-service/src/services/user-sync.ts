import type { FastifyBaseLogger } from 'fastify';
import { metrics, type AccessTokenClaims, type Pool } from '@cloud-backend/shared';
import { findAuthUser, findAuthUsers, type AuthUser } from '../repositories/auth-users.js';
import {
  markDeleted,
  refreshKnownUser,
  syncedUsersAfter,
  upsertSyncedUser,
  type SyncedUser,
} from '../repositories/synced-users.js';
import type { LeaderLock } from './leader-lock.js';

const BATCH = 500;
const CACHE_MS = 30_000;
const CACHE_MAX = 10_000;

/** The advisory lock key of the reconciliation's leader: "usersync" as a 64-bit integer. */
export const RECONCILIATION_LOCK_KEY = '8463219666997309027';

const localRole = (role: string) => (role === 'admin' ? 'admin' : 'user');

function fromAuth(user: AuthUser): SyncedUser {
  return {
    id: user.id,
    email: user.email === '' ? null : user.email,
    username: user.username,
    role: localRole(user.role),
    name: user.name ?? '',
    last_name: user.surname ?? '',
    created_at: user.created_at,
  };
}

function fromClaims(claims: AccessTokenClaims): SyncedUser {
  return {
    id: claims.user_id,
    email: typeof claims.email === 'string' && claims.email !== '' ? claims.email : null,
    username: null,
    role: localRole(claims.role),
    name: typeof claims.name === 'string' ? claims.name : 'Unknown',
    last_name: typeof claims.surname === 'string' ? claims.surname : 'User',
  };
}

const differs = (a: SyncedUser, b: SyncedUser) =>
  a.email !== b.email ||
  a.username !== b.username ||
  a.role !== b.role ||
  a.name !== b.name ||
  a.last_name !== b.last_name;

/**
 * Keeps the local `users` table in step with auth-service (docs/compatibility.md#user-sync): from
 * the verified claims on every authenticated request, and from auth's database (read-only) for what
 * a token lacks, for accounts seen for the first time, and in a periodic reconciliation that also
 * catches renamed, re-roled and deleted accounts. Without AUTH_DATABASE_URL it works from the
 * claims alone (and cannot notice deletions).
 */
export class UserSync {
  private readonly recent = new Map<number, { key: string; until: number }>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly db: Pool,
    private readonly auth: Pool | undefined,
    private readonly log: FastifyBaseLogger,
    /** Who runs the periodic reconciliation when several replicas share the database. */
    private readonly leader?: LeaderLock,
  ) {}

  /** For each authenticated request: false when the account no longer exists in auth. */
  async ensure(claims: AccessTokenClaims): Promise<boolean> {
    const key = JSON.stringify([claims.email, claims.role, claims.name, claims.surname]);
    const cached = this.recent.get(claims.user_id);
    if (cached && cached.key === key && cached.until > Date.now()) return true;

    let user = fromClaims(claims);
    // A known account (the common case) costs one round trip: read and refreshed at once.
    const local = await refreshKnownUser(this.db, user);
    if (local && !local.deleted) {
      this.remember(claims.user_id, key);
      return true;
    }
    if (this.auth) {
      let found: AuthUser | undefined;
      try {
        found = await findAuthUser(this.auth, claims.user_id);
      } catch (err) {
        // Auth's database being down must not stop check-ins: the token is verified.
        this.log.warn({ err }, 'auth database unreachable; user synced from token claims only');
        if (local?.deleted) return false;
        await upsertSyncedUser(this.db, user);
        this.remember(claims.user_id, key);
        return true;
      }
      if (found === undefined) return false;
      user = fromAuth(found);
    } else if (local?.deleted) {
      return false;
    }
    await upsertSyncedUser(this.db, user);
    this.remember(claims.user_id, key);
    return true;
  }

  private remember(userId: number, key: string): void {
    if (this.recent.size >= CACHE_MAX) this.recent.clear();
    this.recent.set(userId, { key, until: Date.now() + CACHE_MS });
  }

  /** Brings every synced local user up to date with auth, marking the vanished ones deleted. */
  async reconcile(): Promise<{ refreshed: number; deleted: number }> {
    const totals = { refreshed: 0, deleted: 0 };
    if (!this.auth) return totals;
    for (let after = 0; ;) {
      const batch = await syncedUsersAfter(this.db, after, BATCH);
      const last = batch.at(-1);
      if (!last) return totals;
      after = last.id;
      const current = new Map(
        (
          await findAuthUsers(
            this.auth,
            batch.map((u) => u.id),
          )
        ).map((u) => [u.id, fromAuth(u)]),
      );
      const vanished = batch.filter((u) => !current.has(u.id)).map((u) => u.id);
      totals.deleted += await markDeleted(this.db, vanished);
      for (const id of vanished) this.recent.delete(id);
      for (const local of batch) {
        const remote = current.get(local.id);
        if (remote && differs(local, remote)) {
          await upsertSyncedUser(this.db, remote);
          totals.refreshed++;
        }
      }
    }
  }

  /**
   * Reconciles every `seconds`, in one replica only: the one holding the leader lock
   * (docs/operations.md#running-replicas). Each step is idempotent, so a leader that lost its
   * lock mid-run and a new one overlapping once do no harm; it only saves the work N-fold.
   */
  start(seconds: number): void {
    if (!this.auth || seconds <= 0) return;
    this.timer = setInterval(() => {
      this.running ??= this.periodic().finally(() => (this.running = undefined));
    }, seconds * 1000);
    this.timer.unref();
  }

  private async periodic(): Promise<void> {
    const service = 'user-service';
    try {
      if (this.leader && !(await this.leader.hold())) {
        metrics.userReconciliationsTotal.inc({ service, outcome: 'skipped' });
        return;
      }
      const totals = await this.reconcile();
      metrics.userReconciliationsTotal.inc({ service, outcome: 'run' });
      this.log.debug(totals, 'users reconciled with auth');
    } catch (err) {
      metrics.userReconciliationsTotal.inc({ service, outcome: 'failed' });
      this.log.warn({ err }, 'user reconciliation failed');
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    await this.leader?.release();
  }
}
