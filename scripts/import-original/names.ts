import { fileURLToPath } from 'node:url';

/** The original's three databases, by the names its compose file gave them. */
export const ORIGINAL_DATABASES = ['auth_logs_db', 'users_db', 'social_logs_db'] as const;
export type OriginalDatabase = (typeof ORIGINAL_DATABASES)[number];

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Which service's migrations upgrade each of them. */
export const MIGRATIONS: Record<OriginalDatabase, string> = {
  auth_logs_db: fileURLToPath(new URL('../../auth-service/migrations', import.meta.url)),
  users_db: fileURLToPath(new URL('../../user-service/migrations', import.meta.url)),
  social_logs_db: fileURLToPath(new URL('../../social-log-service/migrations', import.meta.url)),
};

export const SERVICE_OF: Record<OriginalDatabase, string> = {
  auth_logs_db: 'auth-service',
  users_db: 'user-service',
  social_logs_db: 'social-log-service',
};

const MAX_IDENTIFIER_BYTES = 63;

/**
 * The per-event table the original used for an event: `attendance_` + the event id with every
 * `-` turned into `_`, pasted unquoted into SQL. PostgreSQL therefore folded ASCII capitals to
 * lower case and cut the name at 63 bytes (never inside a character), so several events could
 * share one table.
 */
export function originalEventTable(eventId: string): string {
  const folded = `attendance_${eventId.replaceAll('-', '_')}`.replace(/[A-Z]/g, (c) =>
    c.toLowerCase(),
  );
  let name = '';
  let bytes = 0;
  for (const char of folded) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > MAX_IDENTIFIER_BYTES) break;
    name += char;
    bytes += size;
  }
  return name;
}

/** A timestamp for names: 20250623_020000 (UTC). */
export function stampOf(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d+Z$/, '')
    .replace(/[-:]/g, '')
    .replace('T', '_');
}

/** host:port/database of a URL, without user or password, for messages. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname}`;
  } catch {
    return '(an unparseable URL)';
  }
}
