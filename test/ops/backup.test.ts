import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateTestDatabase } from '@cloud-backend/shared/testing';
import { dropDatabases, serviceSection, uniqueName, urlFor, withClient } from './postgres.js';
import { repoPath, run, requireTool } from './support.js';

const DUMP_NAME = /^(\w+)_\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}\.sql\.gz$/;
const SOCIAL_LOG_MIGRATIONS = new URL('../../social-log-service/migrations/', import.meta.url);

// Every table's rows, in a comparable form.
async function contents(database: string): Promise<Record<string, string[]>> {
  return withClient(urlFor(database), async (client) => {
    const tables = await client.query<{ name: string }>(
      `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`,
    );
    const out: Record<string, string[]> = {};
    for (const { name } of tables.rows) {
      const rows = await client.query<{ row: string }>(
        `SELECT t::text AS row FROM public.${name} t ORDER BY 1`,
      );
      out[name] = rows.rows.map((r) => r.row);
    }
    return out;
  });
}

describe('pg-backup: backup.sh and restore.sh against a real PostgreSQL', () => {
  let dir: string;
  let backups: string;
  let serviceFile: string;
  const database = uniqueName('cb_backup');
  const scratch = `${database}_restored`;
  const created: string[] = [database, scratch];

  const env = (extra: Record<string, string> = {}) => ({
    ...process.env,
    BACKUP_DIR: backups,
    PGSERVICEFILE: serviceFile,
    ...extra,
  });
  const backup = (extra: Record<string, string> = {}, args: string[] = []) =>
    run('bash', [repoPath('pg-backup/backup.sh'), ...args], { env: env(extra) });
  const restore = (args: string[], extra: Record<string, string> = {}) =>
    run('bash', [repoPath('pg-backup/restore.sh'), ...args], { env: env(extra) });
  const dumps = () =>
    readdirSync(backups)
      .filter((name) => DUMP_NAME.test(name))
      .sort();
  const state = () =>
    Object.fromEntries(
      readFileSync(join(backups, '.state', `${database}.prom-state`), 'utf8')
        .trim()
        .split('\n')
        .map((line) => line.split('=')),
    ) as Record<string, string>;

  beforeAll(async () => {
    requireTool('pg_dump', 'postgresql-client');
    requireTool('psql', 'postgresql-client');
    requireTool('flock', 'util-linux');
    dir = mkdtempSync(join(tmpdir(), 'cb-backup-'));
    backups = join(dir, 'backups');
    serviceFile = join(dir, 'pg_service.conf');
    writeFileSync(serviceFile, serviceSection(database, database), { mode: 0o600 });

    // The social-log database as the service makes it (the append-only, hash-chained audit
    // table and its triggers), with rows that must come back byte for byte.
    await withClient(urlFor('postgres'), (client) => client.query(`CREATE DATABASE ${database}`));
    await migrateTestDatabase(urlFor(database), SOCIAL_LOG_MIGRATIONS);
    await withClient(urlFor(database), async (client) => {
      await client.query(
        `INSERT INTO social_logs (user_id, social, "timestamp", content, status)
         SELECT i, 'instagram', now() - i * interval '1 hour', 'post ' || i || ' ✓ «quoted» ''x''', 'ok'
         FROM generate_series(1, 200) i`,
      );
      let previous = '0'.repeat(64);
      for (let i = 1; i <= 5; i++) {
        const hash = i.toString(16).padStart(64, 'a');
        await client.query(
          `INSERT INTO audit_events (event_id, occurred_at, service, action, user_id, actor_id, success,
             details, received_at, prev_hash, hash)
           VALUES (gen_random_uuid(), now(), 'auth-service', 'login_success', $1, $1, true,
             $2, now(), $3, $4)`,
          [i, JSON.stringify({ n: i, nested: { text: 'ünïcode' } }), previous, hash],
        );
        previous = hash;
      }
    });
  });

  afterAll(async () => {
    await dropDatabases(...created);
    rmSync(dir, { recursive: true, force: true });
  });

  it('dumps to <db>_<time>.sql.gz, verified by a restore, owner-only, and records the success', async () => {
    const result = backup();
    expect(result.status, result.output).toBe(0);
    expect(result.stdout).toContain(`${database}: wrote`);
    // Restored into a scratch database whose tables held the rows counted in the dumped
    // snapshot (the 200 social logs, the 5 audit events and the migrations' own table).
    expect(result.stdout).toMatch(/verified: restored with the same \d+ rows in 3 tables/);
    expect(readFileSync(join(backups, '.state', `${database}.counts`), 'utf8')).toContain(
      'public.social_logs\t200\n',
    );
    const scratchLeft = await withClient(urlFor('postgres'), (client) =>
      client.query(`SELECT datname FROM pg_database WHERE datname LIKE 'pgbackup_verify_%'`),
    );
    expect(scratchLeft.rows.map((row: { datname: string }) => row.datname)).not.toContain(
      `pgbackup_verify_${database}`,
    );
    const files = dumps();
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(new RegExp(`^${database}_`));
    expect(statSync(join(backups, files[0] ?? '')).mode & 0o777).toBe(0o600);
    expect(readdirSync(backups).filter((name) => name.endsWith('.partial'))).toEqual([]);
    const recorded = state();
    expect(recorded.last_attempt_ok).toBe('1');
    expect(Number(recorded.last_success)).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(Number(recorded.last_size)).toBe(statSync(join(backups, files[0] ?? '')).size);
    expect(recorded.suspicious).toBe('0');
  }, 120_000);

  it('restores into a scratch database with the same rows, triggers included', async () => {
    const [file] = dumps();
    const result = restore([database, file ?? '', scratch]);
    expect(result.status, result.output).toBe(0);
    const original = await contents(database);
    expect(original.social_logs).toHaveLength(200);
    expect(original.audit_events).toHaveLength(5);
    expect(await contents(scratch)).toEqual(original);
    // The audit trail is still append-only after a restore.
    await withClient(urlFor(scratch), async (client) => {
      await expect(client.query('DELETE FROM audit_events')).rejects.toThrow(/append-only/);
    });
  });

  it('refuses to restore over tables unless told to replace them, then replaces them at once', async () => {
    const [file] = dumps();
    await withClient(urlFor(scratch), (client) =>
      client.query(`UPDATE social_logs SET status = 'changed'`),
    );
    const refused = restore([database, file ?? '', scratch]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('RESTORE_REPLACE=1');
    const replaced = restore([database, file ?? '', scratch], { RESTORE_REPLACE: '1' });
    expect(replaced.status, replaced.output).toBe(0);
    expect(await contents(scratch)).toEqual(await contents(database));
  });

  it('refuses a damaged or truncated dump before touching the database', () => {
    writeFileSync(join(dir, 'garbage.sql.gz'), 'not gzip at all');
    const garbage = restore([database, join(dir, 'garbage.sql.gz'), scratch], {
      RESTORE_REPLACE: '1',
    });
    expect(garbage.status).toBe(1);
    expect(garbage.stderr).toContain('not a valid gzip file');
    const truncated = run('sh', [
      '-c',
      `gzip -dc "$1" | head -n 40 | gzip > "$2"`,
      'sh',
      join(backups, dumps()[0] ?? ''),
      join(dir, 'truncated.sql.gz'),
    ]);
    expect(truncated.status).toBe(0);
    const refused = restore([database, join(dir, 'truncated.sql.gz'), scratch], {
      RESTORE_REPLACE: '1',
    });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('completion line is missing');
  });

  it('keeps the newest five dumps of each database, deleting older ones only after a verified new one', () => {
    const [good] = dumps();
    // Six older copies, as if from earlier nights.
    for (let day = 1; day <= 6; day++) {
      copyFileSync(
        join(backups, good ?? ''),
        join(backups, `${database}_2020-01-0${day}_02-00-00.sql.gz`),
      );
    }
    // Another database's dumps are not this one's to rotate.
    copyFileSync(join(backups, good ?? ''), join(backups, `other_db_2020-01-01_02-00-00.sql.gz`));
    expect(dumps()).toHaveLength(8);
    const result = backup({ BACKUP_KEEP: '5' });
    expect(result.status, result.output).toBe(0);
    const kept = dumps().filter((name) => name.startsWith(`${database}_`));
    expect(kept).toHaveLength(5);
    expect(kept.slice(0, 3)).toEqual([
      `${database}_2020-01-04_02-00-00.sql.gz`,
      `${database}_2020-01-05_02-00-00.sql.gz`,
      `${database}_2020-01-06_02-00-00.sql.gz`,
    ]);
    expect(kept).toContain(good);
    expect(existsSync(join(backups, 'other_db_2020-01-01_02-00-00.sql.gz'))).toBe(true);
  }, 120_000);

  it('never lets a failed or truncated dump replace or rotate out a good one', () => {
    const before = dumps();
    const lastSuccess = state().last_success;
    const bin = join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    const fake = (script: string) => {
      writeFileSync(join(bin, 'pg_dump'), `#!/bin/sh\n${script}\n`);
      chmodSync(join(bin, 'pg_dump'), 0o755);
      return { PATH: `${bin}:${process.env.PATH ?? ''}` };
    };

    // pg_dump fails half-way: with pipefail the run fails, although gzip succeeded.
    const failing = backup(
      fake('echo "-- PostgreSQL database dump"; echo "CREATE TABLE x ();"; exit 1'),
    );
    expect(failing.status).toBe(1);
    expect(failing.stderr).toContain('backup failed; the existing backups are untouched');
    // pg_dump "succeeds" but its output stops short: the verification catches it.
    const truncated = backup(
      fake('echo "-- PostgreSQL database dump"; head -c 20000 /dev/urandom | base64'),
    );
    expect(truncated.status).toBe(1);
    expect(truncated.stderr).toContain('completion line is missing');
    // Nothing at all (the original's empty-but-valid .gz).
    const empty = backup(fake('exit 0'));
    expect(empty.status).toBe(1);
    // The server is unreachable.
    writeFileSync(
      join(dir, 'wrong.conf'),
      `[${database}]\nhost=127.0.0.1\nport=1\ndbname=${database}\n`,
    );
    const unreachable = backup({ PGSERVICEFILE: join(dir, 'wrong.conf'), PGCONNECT_TIMEOUT: '2' });
    expect(unreachable.status).toBe(1);

    expect(dumps()).toEqual(before);
    expect(readdirSync(backups).filter((name) => name.endsWith('.partial'))).toEqual([]);
    expect(state().last_success).toBe(lastSuccess);
    expect(state().last_attempt_ok).toBe('0');
  }, 120_000);

  it('serves the state as pg_backup_* metrics', () => {
    const result = run('node', [repoPath('pg-backup/pg-backup.js'), 'metrics'], {
      env: {
        ...process.env,
        BACKUP_DIR: backups,
        BACKUP_DATABASE_URLS: `${urlFor(database)},postgres://u:p@h/never_backed_up`,
      },
    });
    expect(result.status, result.output).toBe(0);
    const label = `{database="${database}"}`;
    expect(result.stdout).toContain(`pg_backup_configured${label} 1`);
    expect(result.stdout).toContain(
      `pg_backup_last_success_timestamp_seconds${label} ${state().last_success ?? ''}`,
    );
    expect(result.stdout).toContain(`pg_backup_last_attempt_success${label} 0`);
    expect(result.stdout).toContain(`pg_backup_files${label} 5`);
    // A database never backed up has no success sample: nothing invented.
    expect(result.stdout).toContain('pg_backup_configured{database="never_backed_up"} 1');
    expect(result.stdout).not.toContain(
      'pg_backup_last_success_timestamp_seconds{database="never_backed_up"}',
    );
  });

  it('keeps a dump that lost most of a table without rotating anything out, until the shrink is accepted', async () => {
    const metric = (name: string) => {
      const result = run('node', [repoPath('pg-backup/pg-backup.js'), 'metrics'], {
        env: { ...process.env, BACKUP_DIR: backups, BACKUP_DATABASE_URLS: urlFor(database) },
      });
      return new RegExp(`^${name}\\{database="${database}"\\} (\\S+)$`, 'm').exec(
        result.stdout,
      )?.[1];
    };
    const mine = () => dumps().filter((name) => name.startsWith(`${database}_`));
    expect(mine()).toHaveLength(5);
    expect(metric('pg_backup_suspicious')).toBe('0');
    // An emptied table: the dump is as valid and restorable as any other.
    await withClient(urlFor(database), (client) => client.query('DELETE FROM social_logs'));

    const shrunk = backup({ BACKUP_KEEP: '5' });
    expect(shrunk.status, shrunk.output).toBe(0);
    expect(shrunk.stdout).toMatch(/verified: restored with the same/);
    expect(shrunk.stderr).toContain(`${database}: SUSPICIOUS dump kept, nothing rotated out`);
    expect(shrunk.stderr).toContain('public.social_logs: 200 -> 0 rows');
    expect(shrunk.stdout).not.toContain('removed');
    expect(mine()).toHaveLength(6);
    expect(state().suspicious).toBe('1');
    expect(metric('pg_backup_suspicious')).toBe('1');

    // The older copies stay the reference: the next night is suspicious too, still rotating
    // nothing, so five nights of an empty table never push the good copies out.
    const again = backup({ BACKUP_KEEP: '5' });
    expect(again.status, again.output).toBe(0);
    expect(again.stderr).toContain('public.social_logs: 200 -> 0 rows');
    expect(mine()).toHaveLength(7);

    // Once someone says the rows were removed on purpose, the dump becomes the reference and
    // the rotation resumes.
    const accepted = backup({ BACKUP_KEEP: '5', BACKUP_ACCEPT_SHRINK: database });
    expect(accepted.status, accepted.output).toBe(0);
    expect(accepted.stdout).toContain(`${database}: shrink accepted`);
    expect(accepted.stderr).not.toContain('SUSPICIOUS');
    expect(mine()).toHaveLength(5);
    expect(metric('pg_backup_suspicious')).toBe('0');
    expect(readFileSync(join(backups, '.state', `${database}.counts`), 'utf8')).toContain(
      'public.social_logs\t0\n',
    );
  }, 120_000);

  it('refuses a BACKUP_MAX_SHRINK that is not a percentage, in one line', () => {
    const refused = backup({ BACKUP_MAX_SHRINK: '150' });
    expect(refused.status).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain('BACKUP_MAX_SHRINK must be a percentage from 0 to 100');
  });
});

describe('pg-backup: a dump that passes every file check but does not restore', () => {
  // A CHECK constraint calling a function whose body names a table without its schema: the
  // database works, pg_dump writes a complete, valid dump, and loading it fails (pg_dump
  // empties search_path). Only a restore shows it.
  const database = uniqueName('cb_backup_unrestorable');
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cb-backup-unrestorable-'));
    writeFileSync(join(dir, 'pg_service.conf'), serviceSection(database, database), {
      mode: 0o600,
    });
    await withClient(urlFor('postgres'), (client) => client.query(`CREATE DATABASE ${database}`));
    await withClient(urlFor(database), (client) =>
      client.query(`
        CREATE TABLE allowed (v int);
        INSERT INTO allowed VALUES (1);
        CREATE FUNCTION is_allowed(int) RETURNS boolean LANGUAGE sql
          AS 'SELECT EXISTS (SELECT 1 FROM allowed WHERE v = $1)';
        CREATE TABLE guarded (v int CHECK (is_allowed(v)));
        INSERT INTO guarded SELECT 1 FROM generate_series(1, 100);`),
    );
  });

  afterAll(async () => {
    await dropDatabases(database);
    rmSync(dir, { recursive: true, force: true });
  });

  it('is not verified: no dump is kept, the good copies stay, the failure is recorded', () => {
    const backups = join(dir, 'backups');
    mkdirSync(backups, { mode: 0o700 });
    const good = `${database}_2020-01-01_02-00-00.sql.gz`;
    writeFileSync(join(backups, good), 'an older, good copy');
    const result = run('bash', [repoPath('pg-backup/backup.sh')], {
      env: {
        ...process.env,
        BACKUP_DIR: backups,
        BACKUP_KEEP: '1',
        PGSERVICEFILE: join(dir, 'pg_service.conf'),
      },
    });
    expect(result.status, result.output).toBe(1);
    expect(result.stderr).toContain(
      `${database}: the dump does not restore: ERROR:  relation "allowed" does not exist`,
    );
    expect(readdirSync(backups).filter((name) => !name.startsWith('.'))).toEqual([good]);
    const recorded = readFileSync(join(backups, '.state', `${database}.prom-state`), 'utf8');
    expect(recorded).toContain('last_attempt_ok=0');
    expect(recorded).not.toContain('last_success=');
  }, 120_000);
});

describe('pg-backup: schedule', () => {
  it('runs daily at 02:00 by default, in the time zone TZ', () => {
    const next = run('node', [repoPath('pg-backup/pg-backup.js'), 'next', '3'], {
      env: { ...process.env, TZ: 'UTC', BACKUP_SCHEDULE: '' },
    });
    expect(next.status, next.output).toBe(0);
    const times = next.stdout.trim().split('\n');
    expect(times).toHaveLength(3);
    for (const time of times) expect(time).toMatch(/T02:00:00\.000Z$/);
    const rome = run('node', [repoPath('pg-backup/pg-backup.js'), 'next', '1'], {
      env: { ...process.env, TZ: 'Europe/Rome', BACKUP_SCHEDULE: '30 2 * * *' },
    });
    expect(rome.stdout.trim()).toMatch(/T0[01]:30:00\.000Z$/);
  });

  it('understands cron ranges, steps and lists, and refuses nonsense', () => {
    const next = run('node', [repoPath('pg-backup/pg-backup.js'), 'next', '5'], {
      env: { ...process.env, TZ: 'UTC', BACKUP_SCHEDULE: '*/20 9-10 * * 1-5' },
    });
    const times = next.stdout
      .trim()
      .split('\n')
      .map((t) => new Date(t));
    for (const time of times) {
      expect([0, 20, 40]).toContain(time.getUTCMinutes());
      expect([9, 10]).toContain(time.getUTCHours());
      expect([1, 2, 3, 4, 5]).toContain(time.getUTCDay());
    }
    for (const bad of ['0 2 * *', '61 2 * * *', 'every day']) {
      const refused = run('node', [repoPath('pg-backup/pg-backup.js'), 'next'], {
        env: { ...process.env, BACKUP_SCHEDULE: bad },
      });
      expect(refused.status, bad).toBe(1);
    }
  });
});
