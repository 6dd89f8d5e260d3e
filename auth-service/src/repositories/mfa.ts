import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from './queryable.js';

/** Tickets, recovery codes and authenticators are stored by SHA-256 of their value. */
export function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

export interface TotpRow {
  secret_encrypted: string;
  confirmed_at: Date | null;
  last_step: string | null;
}

export async function findTotp(db: Queryable, userId: number): Promise<TotpRow | null> {
  const { rows } = await db.query<TotpRow>(
    'SELECT secret_encrypted, confirmed_at, last_step::text AS last_step FROM mfa_totp WHERE user_id = $1',
    [userId],
  );
  return rows[0] ?? null;
}

export async function hasConfirmedTotp(db: Queryable, userId: number): Promise<boolean> {
  const { rowCount } = await db.query(
    'SELECT 1 FROM mfa_totp WHERE user_id = $1 AND confirmed_at IS NOT NULL',
    [userId],
  );
  return (rowCount ?? 0) > 0;
}

/** A new, unconfirmed secret; replaces an unconfirmed one, never a confirmed one. */
export async function startTotp(
  db: Queryable,
  userId: number,
  sealedSecret: string,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO mfa_totp (user_id, secret_encrypted) VALUES ($1, $2)
     ON CONFLICT (user_id) DO UPDATE
       SET secret_encrypted = excluded.secret_encrypted, created_at = now(), last_step = NULL
       WHERE mfa_totp.confirmed_at IS NULL`,
    [userId, sealedSecret],
  );
  return (rowCount ?? 0) > 0;
}

/**
 * Records the time step of an accepted code, only when it is later than the last one: of two
 * uses of one code (a replay, or two requests at once) exactly one succeeds.
 */
export async function claimStep(db: Queryable, userId: number, step: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE mfa_totp SET last_step = $2
      WHERE user_id = $1 AND (last_step IS NULL OR last_step < $2)`,
    [userId, step],
  );
  return (rowCount ?? 0) > 0;
}

export async function confirmTotp(db: Queryable, userId: number): Promise<boolean> {
  const { rowCount } = await db.query(
    'UPDATE mfa_totp SET confirmed_at = now() WHERE user_id = $1 AND confirmed_at IS NULL',
    [userId],
  );
  return (rowCount ?? 0) > 0;
}

export async function deleteTotp(db: Queryable, userId: number): Promise<void> {
  await db.query('DELETE FROM mfa_totp WHERE user_id = $1', [userId]);
  await db.query('DELETE FROM mfa_recovery_codes WHERE user_id = $1', [userId]);
}

const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** Four groups of four from a 31-letter alphabet without look-alikes: about 79 bits. */
function newRecoveryCode(): string {
  const bytes = randomBytes(32);
  let code = '';
  for (let i = 0; code.replaceAll('-', '').length < 16; i++) {
    const byte = bytes[i] ?? 0;
    // Rejection sampling keeps every letter equally likely.
    if (byte >= 248) continue;
    if (code.length > 0 && code.replaceAll('-', '').length % 4 === 0) code += '-';
    code += RECOVERY_ALPHABET.charAt(byte % RECOVERY_ALPHABET.length);
  }
  return code;
}

/** A recovery code as typed: case, spaces and dashes do not matter. */
export function normaliseRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}

/** Replaces every recovery code of the account with `count` new ones, returned once. */
export async function replaceRecoveryCodes(
  db: Queryable,
  userId: number,
  count: number,
): Promise<string[]> {
  const codes = Array.from({ length: count }, newRecoveryCode);
  await db.query('DELETE FROM mfa_recovery_codes WHERE user_id = $1', [userId]);
  await db.query(
    `INSERT INTO mfa_recovery_codes (user_id, code_hash)
     SELECT $1, unnest($2::bytea[])`,
    [userId, codes.map((code) => digest(normaliseRecoveryCode(code)))],
  );
  return codes;
}

/** Spends a recovery code: true exactly once per code. */
export async function spendRecoveryCode(
  db: Queryable,
  userId: number,
  code: string,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE mfa_recovery_codes SET used_at = now()
      WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL`,
    [userId, digest(normaliseRecoveryCode(code))],
  );
  return (rowCount ?? 0) > 0;
}

export async function recoveryCodesLeft(db: Queryable, userId: number): Promise<number> {
  const { rows } = await db.query<{ left: number }>(
    'SELECT count(*)::int AS left FROM mfa_recovery_codes WHERE user_id = $1 AND used_at IS NULL',
    [userId],
  );
  return rows[0]?.left ?? 0;
}

export type TicketPurpose = 'login' | 'enrol';

export interface Ticket {
  userId: number;
  identifier: string;
  failures: number;
}

/** A new ticket for one purpose, valid for `seconds`; its value is returned once. */
export async function issueTicket(
  db: Queryable,
  ticket: { userId: number; identifier: string; purpose: TicketPurpose },
  seconds: number,
): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db.query(
    `INSERT INTO mfa_tickets (token_hash, user_id, purpose, identifier, expires_at)
     VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
    [digest(token), ticket.userId, ticket.purpose, ticket.identifier.slice(0, 255), seconds],
  );
  // Now and then, forget tickets long expired; the table stays small.
  if (Math.random() < 0.05) {
    await db.query("DELETE FROM mfa_tickets WHERE expires_at < now() - interval '1 day'");
  }
  return token;
}

/** The ticket, while unused, unexpired and under `maxFailures` wrong codes. */
export async function findTicket(
  db: Queryable,
  token: string,
  purpose: TicketPurpose,
  maxFailures: number,
): Promise<Ticket | null> {
  const { rows } = await db.query<{ user_id: number; identifier: string; failures: number }>(
    `SELECT user_id, identifier, failures FROM mfa_tickets
      WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
        AND failures < $3`,
    [digest(token), purpose, maxFailures],
  );
  const row = rows[0];
  return row ? { userId: row.user_id, identifier: row.identifier, failures: row.failures } : null;
}

/** Spends the ticket: true for exactly one caller. */
export async function spendTicket(db: Queryable, token: string): Promise<boolean> {
  const { rowCount } = await db.query(
    'UPDATE mfa_tickets SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL',
    [digest(token)],
  );
  return (rowCount ?? 0) > 0;
}

export async function countTicketFailure(db: Queryable, token: string): Promise<void> {
  await db.query('UPDATE mfa_tickets SET failures = failures + 1 WHERE token_hash = $1', [
    digest(token),
  ]);
}
