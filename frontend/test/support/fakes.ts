import type { Clock, TabChannel, TabMessage, TokenStorage } from '../../src/api/session.js';
import type { SessionReply } from '../../src/api/types.js';

/** A clock whose time moves only when the test says so. */
export class FakeClock implements Clock {
  time = 1_000_000;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; callback: () => void }>();

  now = (): number => this.time;

  setTimeout = (callback: () => void, ms: number): unknown => {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + ms, callback });
    return id;
  };

  clearTimeout = (handle: unknown): void => {
    this.timers.delete(handle as number);
  };

  /** Moves time forward, running every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = [...this.timers.entries()]
        .filter(([, timer]) => timer.at <= end)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.time = Math.max(this.time, due[1].at);
      due[1].callback();
    }
    this.time = end;
  }

  get pending(): number {
    return this.timers.size;
  }
}

export class MemoryStorage implements TokenStorage {
  readonly items = new Map<string, string>();
  getItem = (key: string) => this.items.get(key) ?? null;
  setItem = (key: string, value: string) => {
    this.items.set(key, value);
  };
  removeItem = (key: string) => {
    this.items.delete(key);
  };
}

/** BroadcastChannel semantics: a message reaches every other member, asynchronously. */
export class FakeBroadcast {
  private readonly members = new Set<{ listeners: Set<(m: TabMessage) => void> }>();

  join(): TabChannel {
    const member = { listeners: new Set<(m: TabMessage) => void>() };
    this.members.add(member);
    return {
      post: (message) => {
        for (const other of this.members) {
          if (other === member) continue;
          for (const listener of other.listeners) {
            queueMicrotask(() => {
              listener(message);
            });
          }
        }
      },
      subscribe: (listener) => {
        member.listeners.add(listener);
        return () => member.listeners.delete(listener);
      },
    };
  }
}

let counter = 0;

/** A login or refresh answer as auth-service gives it. */
export function sessionReply(overrides: Partial<SessionReply> = {}): SessionReply {
  counter += 1;
  const access = `access-${String(counter)}`;
  return {
    token: access,
    access_token: access,
    token_type: 'Bearer',
    expires_in: 3600,
    refresh_token: `refresh-${String(counter)}`,
    refresh_expires_in: 2_592_000,
    user: {
      id: 7,
      email: 'ada@example.com',
      username: 'ada',
      name: 'Ada',
      surname: 'L',
      role: 'user',
    },
    ...overrides,
  };
}

/** Lets pending promise callbacks run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}
