import { spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@cloud-backend/shared/dev';
import { dropDatabases, serviceSection, uniqueName, urlFor, withClient } from '../ops/postgres.js';
import { hasCommand, repoPath, run, requireTool } from '../ops/support.js';

// Copies off the host (docs/operations.md#backups), in `make test-faults` (tens of seconds of
// restic and ssh round trips, too long for `make test`): backup.sh sends each verified dump to a
// restic repository on a real SFTP server (Debian's sshd, started here on a free port with its
// own host key and one authorized key), and restore.sh brings it back from there.
const MARKER = 'plaintext-marker-7f3c9e';

// sshd re-executes itself, so it must be started by its absolute path.
function sshdPath(): string {
  if (hasCommand('sshd')) return run('sh', ['-c', 'command -v sshd']).stdout.trim();
  if (existsSync('/usr/sbin/sshd')) return '/usr/sbin/sshd';
  throw new Error('sshd is missing: apt-get install -y openssh-server');
}

/** Resolves once something on `port` greets like an SSH server. */
async function sshBanner(port: number, server: ChildProcess, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`sshd exited with ${server.exitCode}`);
    const greeted = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.setTimeout(2000, () => socket.destroy());
      socket.once('data', (data: Buffer) => {
        socket.destroy();
        resolve(data.toString().startsWith('SSH-2.0'));
      });
      socket.once('error', () => resolve(false));
      socket.once('close', () => resolve(false));
    });
    if (greeted) return;
    if (Date.now() > deadline) throw new Error(`no SSH server on port ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('pg-backup: copies to a restic repository on a real SFTP server', () => {
  const database = uniqueName('cb_backup_remote');
  const restored = `${database}_from_remote`;
  const user = userInfo().username;
  let dir: string;
  let backups: string;
  let sshd: ChildProcess | undefined;
  let sshdLog = '';
  let sftpCommand: string;
  let repository: string;

  const env = (extra: Record<string, string> = {}) => ({
    ...process.env,
    BACKUP_DIR: backups,
    PGSERVICEFILE: join(dir, 'pg_service.conf'),
    BACKUP_REMOTE: `sftp:${user}@127.0.0.1:${repository}`,
    BACKUP_REMOTE_PASSWORD: 'a test repository password',
    BACKUP_REMOTE_SFTP_COMMAND: sftpCommand,
    BACKUP_KEEP: '2',
    ...extra,
  });
  const backup = (extra: Record<string, string> = {}) =>
    run('bash', [repoPath('pg-backup/backup.sh')], { env: env(extra) });
  const remote = (args: string[], extra: Record<string, string> = {}) =>
    run('bash', [repoPath('pg-backup/remote.sh'), ...args], { env: env(extra) });
  const state = () => readFileSync(join(backups, '.state', `${database}.prom-state`), 'utf8');
  const snapshots = () => {
    const listed = remote(['snapshots', database]);
    expect(listed.status, listed.output).toBe(0);
    return listed.stdout.split('\n').filter((line) => line.includes(`database=${database}`));
  };
  const rows = (name: string) =>
    withClient(urlFor(name), async (client) => {
      const result = await client.query<{ row: string }>(
        `SELECT t::text AS row FROM (SELECT * FROM notes ORDER BY id) t`,
      );
      return result.rows.map((r) => r.row);
    });

  beforeAll(async () => {
    requireTool('restic', 'restic');
    requireTool('ssh', 'openssh-client');
    requireTool('ssh-keygen', 'openssh-client');
    requireTool('pg_dump', 'postgresql-client');
    requireTool('flock', 'util-linux');
    dir = mkdtempSync(join(tmpdir(), 'cb-backup-remote-'));
    backups = join(dir, 'backups');
    repository = join(dir, 'sftp-root', 'restic');
    mkdirSync(join(dir, 'sftp-root'));
    writeFileSync(join(dir, 'pg_service.conf'), serviceSection(database, database), {
      mode: 0o600,
    });

    // The SFTP server: its own host key, one authorized client key, loopback only.
    for (const key of ['host_key', 'client_key']) {
      const made = run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, key)]);
      expect(made.status, made.output).toBe(0);
    }
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')));
    const port = await freePort();
    writeFileSync(
      join(dir, 'sshd_config'),
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${join(dir, 'host_key')}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        // The test's files live under the temporary folder, not in a home directory.
        'StrictModes no',
        'UsePAM no',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PermitRootLogin prohibit-password',
        'Subsystem sftp internal-sftp',
        'LogLevel ERROR',
        '',
      ].join('\n'),
    );
    const hostKey = readFileSync(join(dir, 'host_key.pub'), 'utf8').trim();
    writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${hostKey}\n`);
    // As root, sshd wants its privilege-separation directory.
    if (process.getuid?.() === 0 && !existsSync('/run/sshd')) {
      mkdirSync('/run/sshd', { mode: 0o755 });
    }
    sshd = spawn(sshdPath(), ['-D', '-e', '-f', join(dir, 'sshd_config')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    sshd.stderr?.on('data', (chunk: Buffer) => (sshdLog += chunk.toString()));
    await sshBanner(port, sshd).catch((err: unknown) => {
      throw new Error(`${String(err)}; sshd said: ${sshdLog}`);
    });
    // Strict host key checking against the server's own key; no agent, no ~/.ssh.
    sftpCommand = [
      'ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes',
      `-o UserKnownHostsFile=${join(dir, 'known_hosts')} -i ${join(dir, 'client_key')}`,
      `-p ${port} ${user}@127.0.0.1 -s sftp`,
    ].join(' ');

    await withClient(urlFor('postgres'), (client) => client.query(`CREATE DATABASE ${database}`));
    await withClient(urlFor(database), (client) =>
      client.query(`
        CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL);
        INSERT INTO notes SELECT i, '${MARKER} ' || i || ' ✓ «quoted» ''x'''
        FROM generate_series(1, 300) i;`),
    );
  });

  afterAll(async () => {
    if (sshd && sshd.exitCode === null) {
      const exited = new Promise((resolve) => sshd?.once('exit', resolve));
      sshd.kill('SIGTERM');
      await exited;
    }
    await dropDatabases(database, restored);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('copies each verified dump there, encrypted, keeping the newest BACKUP_KEEP', () => {
    for (let night = 1; night <= 3; night++) {
      const result = backup();
      expect(result.status, result.output).toBe(0);
      expect(result.stdout).toMatch(
        new RegExp(`${database}: copied ${database}_\\S+ to sftp:\\S+ \\(snapshot [0-9a-f]{8}\\)`),
      );
    }
    expect(snapshots()).toHaveLength(2);
    expect(state()).toContain('remote_last_attempt_ok=1');
    expect(state()).toMatch(/remote_last_success=\d+/);
    // Encrypted: no row's text appears anywhere in the repository's files.
    const grep = run('grep', ['-r', '-l', MARKER, repository]);
    expect(grep.status, grep.output).toBe(1);
    expect(readdirSync(repository)).toEqual(
      expect.arrayContaining(['config', 'data', 'index', 'keys', 'snapshots']),
    );

    const metrics = run('node', [repoPath('pg-backup/pg-backup.js'), 'metrics'], {
      env: env({ BACKUP_DATABASE_URLS: urlFor(database) }),
    });
    expect(metrics.stdout).toContain('pg_backup_remote_configured 1');
    expect(metrics.stdout).toContain(
      `pg_backup_remote_last_attempt_success{database="${database}"} 1`,
    );
  });

  it('restores the same rows from the remote once the local copies are gone', async () => {
    rmSync(backups, { recursive: true, force: true });
    const result = run(
      'bash',
      [repoPath('pg-backup/restore.sh'), database, 'remote:latest', restored],
      { env: env() },
    );
    expect(result.status, result.output).toBe(0);
    expect(result.stdout).toContain(`${database}: fetched snapshot latest`);
    const original = await rows(database);
    expect(original).toHaveLength(300);
    expect(await rows(restored)).toEqual(original);
  });

  it('keeps every remote copy when a dump is suspicious', async () => {
    const before = snapshots().length;
    // The first run after losing the local folder sets the reference again.
    expect(backup().status).toBe(0);
    expect(snapshots()).toHaveLength(2);
    await withClient(urlFor(database), (client) => client.query('DELETE FROM notes'));
    const shrunk = backup();
    expect(shrunk.status, shrunk.output).toBe(0);
    expect(shrunk.stderr).toContain('SUSPICIOUS');
    expect(snapshots()).toHaveLength(before + 1);
  });

  it('leaves the verified local dump when the remote is unreachable, and fails the run', async () => {
    const closed = await freePort();
    const result = backup({
      BACKUP_REMOTE_SFTP_COMMAND: sftpCommand.replace(/-p \d+/, `-p ${closed}`),
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/verified: restored with the same 0 rows in 1 tables/);
    expect(result.stderr).toContain(
      `${database}: the copy to BACKUP_REMOTE failed; the local dump is kept`,
    );
    expect(state()).toContain('last_attempt_ok=1');
    expect(state()).toContain('remote_last_attempt_ok=0');
  });

  it('never starts a new repository over one it cannot open, and needs the password', () => {
    const file = readdirSync(backups).find((name) => name.endsWith('.sql.gz')) ?? '';
    const wrong = remote(['push', database, join(backups, file)], {
      BACKUP_REMOTE_PASSWORD: 'not the password',
    });
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain('cannot open the restic repository');
    expect(wrong.stderr).not.toContain('creating');
    expect(snapshots().length).toBeGreaterThan(0);

    const none = remote(['snapshots'], { BACKUP_REMOTE_PASSWORD: '' });
    expect(none.status).toBe(1);
    expect(none.stderr.trim().split('\n')).toHaveLength(1);
    expect(none.stderr).toContain('BACKUP_REMOTE_PASSWORD is not set');
  });
});
