import { ApiError, NETWORK_ERROR } from './errors.js';
import type { PublicUser, SessionReply } from './types.js';
import type {
  TokenStorage,
  TabChannel,
  Clock,
  SessionEnd,
  SessionState,
  SessionOptions,
} from './session-types.js';

/**
 * The signed-in session, each token kept where it is hardest to steal: the access token in
 * memory only (a script injected later cannot find it in storage, and a closed tab forgets
 * it), the refresh token in sessionStorage (it survives a reload of this tab, never reaches
 * another tab or outlives the browser session). A reload spends the refresh token to get a new access token.
 *
 * Refresh tokens work once (auth-service rotates them and revokes the whole session when a
 * spent one comes back), so this class makes sure one tab never spends the same token twice:
 * refreshes are single-flight, a result that arrives after a logout is dropped, and a tab
 * duplicated from another one (the browser copies sessionStorage into it) gives up the copied
 * token instead of racing the original tab for it.
 */

export * from './session-types.js';

export const REFRESH_TOKEN_KEY = 'cloud-backend.refresh-token';
export const TAB_ID_KEY = 'cloud-backend.tab-id';

/** Longest delay setTimeout honours (about 24.8 days); longer ones fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * When to refresh, in ms before the access token expires: a minute, or a fifth of a short
 * lifetime, so the token is replaced while still valid even if the refresh takes a while.
 */
export function refreshMargin(expiresInSeconds: number): number {
  return Math.min(60_000, (expiresInSeconds * 1000) / 5);
}

const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

interface AccessToken {
  token: string;
  expiresAt: number;
  refreshAt: number;
}

export class Session {
  private readonly storage: TokenStorage;
  private readonly refreshCall: (refreshToken: string) => Promise<SessionReply>;
  private readonly clock: Clock;
  private readonly channel: TabChannel | undefined;
  private readonly newTabId: () => string;
  private readonly duplicateCheckMs: number;
  private readonly retryMs: number;

  private access: AccessToken | null = null;
  private state: SessionState = { status: 'signed-out', user: null, ended: null };
  private timer: unknown = null;
  private inflight: Promise<boolean> | null = null;
  /** Bumped by every start and end: a refresh begun before either must not apply after it. */
  private generation = 0;
  private tabId: string;
  private answering: (() => void) | null = null;
  private readonly listeners = new Set<(state: SessionState) => void>();
  /** The API's message of the last refused refresh, for the caller that triggered it. */
  lastRefreshError: ApiError | null = null;

  constructor(options: SessionOptions) {
    this.storage = options.storage;
    this.refreshCall = options.refresh;
    this.clock = options.clock ?? systemClock;
    this.channel = options.channel;
    this.newTabId = options.newTabId ?? (() => crypto.randomUUID());
    this.duplicateCheckMs = options.duplicateCheckMs ?? 150;
    this.retryMs = options.retryMs ?? 15_000;
    this.tabId = this.storage.getItem(TAB_ID_KEY) ?? '';
  }

  get current(): SessionState {
    return this.state;
  }

  get user(): PublicUser | null {
    return this.state.user;
  }

  /** The access token held in memory, fresh or not. */
  get accessToken(): string | null {
    return this.access?.token ?? null;
  }

  subscribe(listener: (state: SessionState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** After a login: keep the pair and schedule the silent refresh. */
  start(reply: SessionReply): void {
    this.generation += 1;
    this.lastRefreshError = null;
    this.accept(reply);
  }

  /**
   * At page load: if this tab holds a refresh token (a reload), spend it for an access token.
   * Resolves true when signed in.
   */
  async restore(): Promise<boolean> {
    const stored = this.storage.getItem(REFRESH_TOKEN_KEY);
    const generation = this.generation;
    if (stored !== null) this.setState({ status: 'restoring', user: null, ended: null });
    if (this.tabId !== '' && (await this.claimedElsewhere(this.tabId))) {
      // A duplicated tab: the original owns the token; spending it here would make the
      // original's next refresh look like a stolen token and end both sessions.
      this.tabId = '';
      this.storage.removeItem(REFRESH_TOKEN_KEY);
      this.ensureTabId();
      if (stored !== null && generation === this.generation) {
        this.setState({
          status: 'signed-out',
          user: null,
          ended: {
            reason: 'duplicate-tab',
            message:
              'This tab was copied from another signed-in tab. Sign in again here; the other ' +
              'tab stays signed in.',
          },
        });
      }
      return false;
    }
    this.ensureTabId();
    if (stored === null || generation !== this.generation) return this.state.status === 'signed-in';
    return this.refresh();
  }

  /**
   * The access token to send now: refreshed first when it is due (a timer in a background tab
   * may have fired late). Null when signed out.
   */
  async validAccessToken(): Promise<string | null> {
    if (this.access === null) {
      if (this.inflight) await this.inflight;
      return this.accessToken;
    }
    if (this.clock.now() >= this.access.refreshAt) await this.refresh();
    return this.accessToken;
  }

  /**
   * After the API refused `rejected` with 401: refresh once, unless another request already
   * replaced that token. Resolves true when there is a new token to retry with.
   */
  async recover(rejected: string): Promise<boolean> {
    if (this.access !== null && this.access.token !== rejected) return true;
    if (this.access === null && !this.inflight) return false;
    return this.refresh();
  }

  /**
   * Spends the refresh token for a new pair; concurrent callers share one request. Resolves
   * false when there is no session or the API refused (the session then ends) or was out of
   * reach (the session stays, and a retry is scheduled).
   */
  refresh(): Promise<boolean> {
    this.inflight ??= this.doRefresh().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  /** Logout (or a refused refresh): forget both tokens. */
  end(reason: SessionEnd['reason'] = 'logout', message = '', code?: string): void {
    this.generation += 1;
    this.cancelTimer();
    this.access = null;
    this.storage.removeItem(REFRESH_TOKEN_KEY);
    this.setState({
      status: 'signed-out',
      user: null,
      ended: reason === 'logout' ? null : { reason, message, ...(code ? { code } : {}) },
    });
  }

  /** Stops the timer and the tab channel (tests, page unload). */
  dispose(): void {
    this.cancelTimer();
    this.answering?.();
    this.answering = null;
    this.listeners.clear();
  }

  private async doRefresh(): Promise<boolean> {
    const token = this.storage.getItem(REFRESH_TOKEN_KEY);
    if (token === null) return false;
    const generation = this.generation;
    this.lastRefreshError = null;
    let reply: SessionReply;
    try {
      reply = await this.refreshCall(token);
    } catch (error) {
      if (generation !== this.generation) return this.state.status === 'signed-in';
      if (isRefusal(error)) {
        this.lastRefreshError = error;
        this.end('expired', `${error.message}. Please sign in again.`, error.code);
        return false;
      }
      // No answer: the token may still be good. Keep it, try again later.
      this.schedule(this.clock.now() + this.retryMs);
      if (this.state.status === 'restoring') {
        this.setState({ ...this.state, status: 'signed-out' });
      }
      return false;
    }
    if (generation !== this.generation) return this.state.status === 'signed-in';
    this.lastRefreshError = null;
    this.accept(reply);
    return true;
  }

  private accept(reply: SessionReply): void {
    const now = this.clock.now();
    const lifetime = reply.expires_in * 1000;
    this.access = {
      token: reply.access_token || reply.token,
      expiresAt: now + lifetime,
      refreshAt: now + lifetime - refreshMargin(reply.expires_in),
    };
    this.storage.setItem(REFRESH_TOKEN_KEY, reply.refresh_token);
    this.ensureTabId();
    this.schedule(this.access.refreshAt);
    this.setState({ status: 'signed-in', user: reply.user, ended: null });
  }

  private schedule(at: number): void {
    this.cancelTimer();
    const delay = Math.min(Math.max(0, at - this.clock.now()), MAX_TIMER_MS);
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      if (this.access !== null && this.clock.now() < this.access.refreshAt) {
        this.schedule(this.access.refreshAt); // a capped delay: not due yet
        return;
      }
      void this.refresh();
    }, delay);
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private ensureTabId(): void {
    if (this.tabId === '') {
      this.tabId = this.newTabId();
      this.storage.setItem(TAB_ID_KEY, this.tabId);
    }
    if (this.channel && !this.answering) {
      this.answering = this.channel.subscribe((message) => {
        if (message.type === 'who-has' && message.tab === this.tabId) {
          this.channel?.post({ type: 'i-have', tab: this.tabId });
        }
      });
    }
  }

  /** Asks the other tabs whether one of them is already running with this tab id. */
  private claimedElsewhere(tab: string): Promise<boolean> {
    const channel = this.channel;
    if (!channel) return Promise.resolve(false);
    return new Promise((resolve) => {
      let stop: (() => void) | undefined = undefined;
      let timer: unknown = null;
      let done = false;
      const finish = (claimed: boolean) => {
        if (done) return;
        done = true;
        stop?.();
        if (timer !== null) this.clock.clearTimeout(timer);
        resolve(claimed);
      };
      stop = channel.subscribe((message) => {
        if (message.type === 'i-have' && message.tab === tab) finish(true);
      });
      timer = this.clock.setTimeout(() => {
        finish(false);
      }, this.duplicateCheckMs);
      channel.post({ type: 'who-has', tab });
    });
  }

  private setState(state: SessionState): void {
    this.state = state;
    for (const listener of this.listeners) listener(state);
  }
}

/** A refresh the API answered with a refusal (the token is dead), not a transient failure. */
function isRefusal(error: unknown): error is ApiError {
  return (
    error instanceof ApiError &&
    error.code !== NETWORK_ERROR &&
    error.status >= 400 &&
    error.status < 500 &&
    error.status !== 429 &&
    error.status !== 408
  );
}
