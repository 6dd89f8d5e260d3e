/** The session's collaborators and the state it reports (see session.ts). */
import type { PublicUser, SessionReply } from './types.js';

/** The subset of Storage the session uses (sessionStorage in the browser). */
export interface TokenStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Messages between the tabs of this origin (a BroadcastChannel in the browser). */
export type TabMessage = { type: 'who-has'; tab: string } | { type: 'i-have'; tab: string };

export interface TabChannel {
  post(message: TabMessage): void;
  subscribe(listener: (message: TabMessage) => void): () => void;
}

export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export type SessionStatus = 'signed-out' | 'restoring' | 'signed-in';

/** Why a session ended, and what to tell the person. */
export interface SessionEnd {
  reason: 'logout' | 'expired' | 'duplicate-tab';
  message: string;
  /** The refused refresh's error code, for a message in the reader's language. */
  code?: string;
}

export interface SessionState {
  status: SessionStatus;
  user: PublicUser | null;
  /** Set when the last session ended for a reason worth telling (not after a plain logout). */
  ended: SessionEnd | null;
}

export interface SessionOptions {
  storage: TokenStorage;
  /** POST /auth/refresh: resolves with the new pair, throws ApiError when refused. */
  refresh: (refreshToken: string) => Promise<SessionReply>;
  clock?: Clock;
  channel?: TabChannel;
  newTabId?: () => string;
  /** How long restore() waits for another tab to claim this tab's id. */
  duplicateCheckMs?: number;
  /** After a refresh that got no answer (network, 5xx), when to try again. */
  retryMs?: number;
}
