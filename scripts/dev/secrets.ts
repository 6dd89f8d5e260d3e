import { randomBytes } from 'node:crypto';
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The roles make dev provisions; each gets its own generated password. */
export const ROLES = [
  'auth_service',
  'auth_readonly',
  'user_service',
  'users_readonly',
  'social_log_service',
] as const;
export type Role = (typeof ROLES)[number];

/** The contents of dev-secrets.json. */
export interface DevSecrets {
  jwtSecret: string;
  /** INTERNAL_API_TOKEN: what the services present to each other on /internal routes. */
  internalToken: string;
  /** The first admin's password (ADMIN_PASSWORD), unless the developer sets one. */
  adminPassword: string;
  postgresPassword: string;
  roles: Record<Role, string>;
}

export const SECRETS_FILE = 'dev-secrets.json';

// Hex keeps the passwords safe to drop into a URL without escaping.
const generate = (bytes: number): string => randomBytes(bytes).toString('hex');

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value : undefined;

/** What a secrets file holds, any part of which may be missing. */
interface StoredSecrets {
  jwtSecret?: string;
  internalToken?: string;
  adminPassword?: string;
  postgresPassword?: string;
  roles: Partial<Record<Role, string>>;
}

function parse(raw: string): StoredSecrets {
  const data: unknown = JSON.parse(raw);
  if (typeof data !== 'object' || data === null) return { roles: {} };
  const record = data as Record<string, unknown>;
  const roles: Partial<Record<Role, string>> = {};
  const rawRoles = record.roles;
  if (typeof rawRoles === 'object' && rawRoles !== null) {
    for (const role of ROLES) {
      const value = text((rawRoles as Record<string, unknown>)[role]);
      if (value) roles[role] = value;
    }
  }
  const jwtSecret = text(record.jwtSecret);
  const internalToken = text(record.internalToken);
  const adminPassword = text(record.adminPassword);
  const postgresPassword = text(record.postgresPassword);
  return {
    roles,
    ...(jwtSecret ? { jwtSecret } : {}),
    ...(internalToken ? { internalToken } : {}),
    ...(adminPassword ? { adminPassword } : {}),
    ...(postgresPassword ? { postgresPassword } : {}),
  };
}

/**
 * The secrets of the local stack, generated on the first run and reused afterwards: the
 * PostgreSQL data folder only works with the passwords it was created with, and a stable JWT
 * secret keeps tokens valid across restarts. Anything missing is added; nothing is replaced.
 */
export async function loadOrCreateSecrets(dataDir: string): Promise<DevSecrets> {
  const file = join(dataDir, SECRETS_FILE);
  let existing: StoredSecrets = { roles: {} };
  let raw: string | undefined;
  try {
    raw = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (raw !== undefined) {
    try {
      existing = parse(raw);
    } catch {
      throw new Error(
        `${file} is not valid JSON; fix it, or delete it together with the postgres folder`,
      );
    }
  }

  const secrets: DevSecrets = {
    jwtSecret: existing.jwtSecret ?? generate(32),
    internalToken: existing.internalToken ?? generate(32),
    adminPassword: existing.adminPassword ?? generate(12),
    postgresPassword: existing.postgresPassword ?? generate(24),
    roles: Object.fromEntries(ROLES.map((r) => [r, existing.roles[r] ?? generate(24)])) as Record<
      Role,
      string
    >,
  };
  const complete =
    existing.jwtSecret !== undefined &&
    existing.internalToken !== undefined &&
    existing.adminPassword !== undefined &&
    existing.postgresPassword !== undefined &&
    ROLES.every((r) => existing.roles[r] !== undefined);
  if (!complete) {
    // Written aside and renamed, so an interrupted run never leaves half a file behind.
    const partial = `${file}.${String(process.pid)}.tmp`;
    await writeFile(partial, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
    await rename(partial, file);
  }
  await chmod(file, 0o600);
  return secrets;
}
