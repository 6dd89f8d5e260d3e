/**
 * `npm run create-admin` reads the password without echoing it on a terminal (a real
 * pseudo-terminal, from util-linux's `script`), and from stdin when it is a pipe.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import bcrypt from 'bcrypt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import {
  createTestDatabase,
  entryArguments,
  type TestDatabase,
} from '@cloud-backend/shared/testing';

const AUTH_DIR = fileURLToPath(new URL('..', import.meta.url));
const PROMPT = 'Password for the admin account: ';
// npm run create-admin's entry point (from the run's bundle of it, as spawnTypeScript runs one).
const COMMAND = [process.execPath, ...entryArguments('src/create-admin.ts', AUTH_DIR)];

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('auth_create_admin_input');
});
afterAll(() => db.drop());

const env = () => ({
  ...process.env,
  DATABASE_URL: db.url,
  BCRYPT_COST: '4',
  ADMIN_EMAIL: '',
  ADMIN_PASSWORD: '',
  JWT_SECRET: '',
});

async function storedHash(email: string): Promise<string> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  let rows: { password: string; role: string }[];
  try {
    ({ rows } = await client.query<{ password: string; role: string }>(
      'SELECT password, role FROM users WHERE email = $1',
      [email],
    ));
  } finally {
    await client.end();
  }
  const [row] = rows;
  expect(row?.role).toBe('admin');
  return row?.password ?? '';
}

/** Runs `command` with its output collected; `feed` writes to its stdin as the output grows. */
async function run(
  file: string,
  args: string[],
  feed: (output: string, stdin: NodeJS.WritableStream) => void,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(file, args, { cwd: AUTH_DIR, env: env(), stdio: 'pipe' });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    feed(output, child.stdin);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  feed(output, child.stdin);
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output };
}

describe('create-admin password input', () => {
  it('on a terminal: asks, and what is typed never appears', async () => {
    const password = 'typed on a terminal 7f3k';
    const quoted = [...COMMAND, '--email', 'tty@example.com'].map((word) => `'${word}'`).join(' ');
    let typed = false;
    const { code, output } = await run('script', ['-qefc', quoted, '/dev/null'], (out, stdin) => {
      // Typed only once the prompt is up, as a person would: the terminal is then in raw mode.
      if (typed || !out.includes(PROMPT)) return;
      typed = true;
      stdin.write(`${password}\r`);
    });
    expect(code, output).toBe(0);
    expect(output).toContain(PROMPT);
    expect(output).toContain('create-admin: tty@example.com: created the admin account');
    expect(output).not.toContain(password);
    expect(output).not.toContain('typed on');
    expect(await bcrypt.compare(password, await storedHash('tty@example.com'))).toBe(true);
  }, 60_000);

  it('from a pipe: the first line of stdin, with no prompt', async () => {
    const password = 'piped from a secret store';
    const [node = '', ...rest] = COMMAND;
    const { code, output } = await run(
      node,
      [...rest, '--email', 'pipe@example.com'],
      (out, stdin) => {
        if (out === '') stdin.end(`${password}\nignored second line\n`);
      },
    );
    expect(code, output).toBe(0);
    expect(output).not.toContain(PROMPT);
    expect(output).not.toContain(password);
    expect(await bcrypt.compare(password, await storedHash('pipe@example.com'))).toBe(true);
  }, 60_000);
});
