/**
 * Running the original's real migration files with the real psql, for capture-catalog.ts: the
 * fixtures are checked against what this produces. The original's files are read from a git
 * checkout of it at run time; nothing of them is stored in this repository.
 */

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { StatementFailure } from './run-statements.js';
import { chainFileStatements, type ChainFile, type ChainRunner } from './user-chain.js';

const run = promisify(execFile);

/** A statement of a SQL file as psql splits it: where it ends (1-based line). */
export interface SplitStatement {
  text: string;
  endLine: number;
}

/**
 * Splits a SQL file into the top-level statements psql would send: a `;` outside quotes,
 * dollar quotes, comments and parentheses ends one; what is left at the end of the file is
 * sent too unless it is only white space and `--` comments (an unterminated quote included).
 */
export function splitLikePsql(sql: string): SplitStatement[] {
  const statements: SplitStatement[] = [];
  let start = 0;
  let line = 1;
  let depth = 0;
  let index = 0;
  const push = (end: number, endLine: number): void => {
    const text = sql.slice(start, end);
    const meaningful = text.replace(/--[^\n]*/g, '').trim();
    if (meaningful !== '') statements.push({ text, endLine });
    start = end;
  };
  const advanceTo = (end: number): void => {
    for (let at = index; at < end && at < sql.length; at += 1) if (sql[at] === '\n') line += 1;
    index = Math.min(end, sql.length);
  };
  while (index < sql.length) {
    const rest = sql.slice(index);
    const character = sql[index];
    if (rest.startsWith('--')) {
      const end = sql.indexOf('\n', index);
      advanceTo(end === -1 ? sql.length : end);
    } else if (rest.startsWith('/*')) {
      let nesting = 0;
      let at = index;
      while (at < sql.length) {
        if (sql.startsWith('/*', at)) {
          nesting += 1;
          at += 2;
        } else if (sql.startsWith('*/', at)) {
          nesting -= 1;
          at += 2;
          if (nesting === 0) break;
        } else at += 1;
      }
      advanceTo(at);
    } else if (character === "'" || character === '"') {
      let at = index + 1;
      while (at < sql.length) {
        if (sql[at] === character) {
          if (sql[at + 1] === character) at += 2;
          else break;
        } else at += 1;
      }
      advanceTo(at + 1);
    } else if (character === '$' && /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.test(rest)) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(rest)?.[0] ?? '$$';
      const close = sql.indexOf(tag, index + tag.length);
      advanceTo(close === -1 ? sql.length : close + tag.length);
    } else if (character === '(') {
      depth += 1;
      advanceTo(index + 1);
    } else if (character === ')') {
      depth = Math.max(0, depth - 1);
      advanceTo(index + 1);
    } else if (character === ';' && depth === 0) {
      const endLine = line;
      advanceTo(index + 1);
      push(index, endLine);
    } else {
      advanceTo(index + 1);
    }
  }
  push(sql.length, line);
  return statements;
}

/** Reads a file of the original from a git repository (a clone or a bare mirror). */
export async function readOriginalFile(
  gitDir: string,
  commit: string,
  path: string,
): Promise<string> {
  const { stdout } = await run('git', ['--git-dir', gitDir, 'show', `${commit}:${path}`], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

/** The git directory of a checkout (its `.git`) or of a bare mirror. */
export async function gitDirOf(checkout: string): Promise<string> {
  const { stdout } = await run('git', ['-C', checkout, 'rev-parse', '--absolute-git-dir']);
  return stdout.trim();
}

/** Errors psql printed for a file, with the line it reported each at. */
export function psqlErrors(
  stderr: string,
  path: string,
): { line: number; sqlstate: string; message: string }[] {
  const errors: { line: number; sqlstate: string; message: string }[] = [];
  const prefix = `psql:${path}:`;
  for (const text of stderr.split('\n')) {
    if (!text.startsWith(prefix)) continue;
    const match = /^(\d+): ERROR: {2}([0-9A-Z]{5}): (.*)$/.exec(text.slice(prefix.length));
    if (match)
      errors.push({ line: Number(match[1]), sqlstate: match[2] ?? '', message: match[3] ?? '' });
  }
  return errors;
}

/**
 * A chain runner that runs the real files with `psql -f` (psql on PATH): keep-going by
 * default, `-v ON_ERROR_STOP=1` when asked. Each error psql reports is mapped back to the
 * statement that ends on its line; the file must split into as many statements as the
 * fixture's version of it has, or the runner fails (the two would not be comparable).
 */
export function psqlChainRunner(gitDir: string, headCommit: string): ChainRunner {
  return async ({ databaseUrl }, file: ChainFile, settings) => {
    const path = `user-service/migrations/${file.name}.sql`;
    const text = await readOriginalFile(gitDir, file.commit ?? headCommit, path);
    const statements = splitLikePsql(text);
    const ours = chainFileStatements(file, settings.fakeDailyRow).length;
    if (statements.length !== ours) {
      throw new Error(
        `${file.name}: psql sends ${statements.length} statements, the fixture ${ours}`,
      );
    }
    const dir = await mkdtemp(join(tmpdir(), 'original-file-'));
    const local = join(dir, `${file.name}.sql`);
    try {
      await writeFile(local, text);
      const args = ['-X', '-q', '-v', 'VERBOSITY=verbose', '-d', databaseUrl, '-f', local];
      if (settings.stopOnError) args.unshift('-v', 'ON_ERROR_STOP=1');
      const { stderr, exitCode } = await run('psql', args, { maxBuffer: 16 * 1024 * 1024 }).then(
        ({ stderr: out }) => ({ stderr: out, exitCode: 0 }),
        (error: unknown) => {
          const failed = error as { stderr?: string; code?: number };
          return { stderr: failed.stderr ?? '', exitCode: failed.code ?? 1 };
        },
      );
      const failures: StatementFailure[] = psqlErrors(stderr, local).map((error) => {
        const position = statements.findIndex((statement) => statement.endLine >= error.line);
        return {
          file: file.name,
          statement: (position === -1 ? statements.length - 1 : position) + 1,
          sqlstate: error.sqlstate,
          message: error.message,
        };
      });
      const stopped = settings.stopOnError && exitCode === 3;
      const last = failures.at(-1);
      return {
        file: file.name,
        statements: statements.length,
        ran: stopped && last ? last.statement : statements.length,
        failures,
        stopped,
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}
