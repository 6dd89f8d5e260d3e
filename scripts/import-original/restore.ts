/**
 * Runs a pg_dump plain file against a database through node-postgres, as `psql -1` would,
 * for machines that have Node but no psql. What the original's dumps hold that cannot or must
 * not run here is left out and said so:
 *
 *   - `ALTER … OWNER TO <role>`: the original's roles (its superusers) are not the port's; the
 *     restored objects are given to the port's owner role afterwards (ownership.ts);
 *   - `SET <setting>` the server does not know (pg_dump 17 writes `transaction_timeout`, which
 *     PostgreSQL 15 rejects);
 *   - `\restrict` / `\unrestrict` (pg_dump 17.6 and later): they tell psql to refuse other
 *     meta-commands in between, which this reader never runs anyway;
 *   - `\connect`, CREATE/ALTER DATABASE (dumps made with -C): the import restores into a
 *     staging database of its own;
 *   - GRANT / REVOKE naming a role this server does not have.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DumpSyntaxError, readDump, type DumpItem } from './dump-lexer.js';

export interface SkippedStatement {
  line: number;
  statement: string;
  reason: string;
}

export interface RestoreSummary {
  statements: number;
  copiedRows: number;
  /** ALTER … OWNER TO statements left out (ownership is the port's, set afterwards). */
  ownerStatements: number;
  skipped: SkippedStatement[];
}

export class RestoreError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

const OWNER_TO = /^ALTER\s+[\s\S]+\s+OWNER\s+TO\s+\S+$/i;
const SET_STATEMENT = /^SET\s+(?:SESSION\s+)?("?[A-Za-z_][\w.]*"?)\s*(?:=|\bTO\b)/i;
const DATABASE_STATEMENT = /^(CREATE|ALTER)\s+DATABASE\b/i;
const PRIVILEGE_STATEMENT = /^(GRANT|REVOKE|ALTER\s+DEFAULT\s+PRIVILEGES|SECURITY\s+LABEL)\b/i;
const ROLE_STATEMENT = /^(SET\s+(SESSION\s+)?ROLE|SET\s+SESSION\s+AUTHORIZATION)\b/i;
// pg_dump's COPY data is sent in batches of about this many bytes rather than line by line.
const COPY_BATCH_BYTES = 256 * 1024;

/** The first line of a statement, shortened, for the report. */
function headline(text: string): string {
  const first = text.split('\n')[0] ?? '';
  return first.length > 100 ? `${first.slice(0, 97)}...` : first;
}

async function* batches(lines: AsyncIterable<string>, count: { rows: number }) {
  let batch = '';
  for await (const line of lines) {
    batch += line;
    count.rows += 1;
    if (batch.length >= COPY_BATCH_BYTES) {
      yield batch;
      batch = '';
    }
  }
  if (batch) yield batch;
}

async function knownSettings(client: pg.Client): Promise<Set<string>> {
  const result = await client.query<{ name: string }>('SELECT name FROM pg_settings');
  return new Set(result.rows.map((row) => row.name.toLowerCase()));
}

function isUndefinedRole(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e.code === '42704' && /role .* does not exist/.test(e.message ?? '');
}

/**
 * Runs every item of the dump on `client` (a superuser connection to the database to fill),
 * in one transaction: all of it, or nothing.
 */
export async function restoreDump(
  client: pg.Client,
  lines: AsyncIterable<string>,
): Promise<RestoreSummary> {
  const settings = await knownSettings(client);
  const summary: RestoreSummary = { statements: 0, copiedRows: 0, ownerStatements: 0, skipped: [] };
  const skip = (item: DumpItem, statement: string, reason: string) =>
    summary.skipped.push({ line: item.line, statement, reason });

  let item: DumpItem | undefined;
  await client.query('BEGIN');
  try {
    for await (item of readDump(lines)) {
      if (item.kind === 'meta') {
        if (item.name === 'restrict' || item.name === 'unrestrict') continue;
        if (item.name === 'connect' || item.name === 'c') {
          skip(
            item,
            `\\connect ${item.argument}`,
            'the import restores into a database of its own',
          );
          continue;
        }
        throw new RestoreError(`psql command \\${item.name} is not one pg_dump writes`, item.line);
      }

      if (item.kind === 'copy') {
        const count = { rows: 0 };
        await pipeline(Readable.from(batches(item.data, count)), client.query(copyFrom(item.text)));
        summary.copiedRows += count.rows;
        summary.statements += 1;
        continue;
      }

      const text = item.text;
      if (OWNER_TO.test(text)) {
        summary.ownerStatements += 1;
        continue;
      }
      if (DATABASE_STATEMENT.test(text)) {
        skip(item, headline(text), 'the import restores into a database of its own');
        continue;
      }
      const setting = SET_STATEMENT.exec(text)?.[1]?.replaceAll('"', '').toLowerCase();
      if (setting && !ROLE_STATEMENT.test(text) && !settings.has(setting)) {
        skip(item, headline(text), `this PostgreSQL has no setting ${setting}`);
        continue;
      }
      if (PRIVILEGE_STATEMENT.test(text) || ROLE_STATEMENT.test(text)) {
        // Names a role of the original's server, maybe one this server does not have.
        await client.query('SAVEPOINT import_statement');
        try {
          await client.query(text);
          await client.query('RELEASE SAVEPOINT import_statement');
        } catch (err) {
          if (!isUndefinedRole(err)) throw err;
          await client.query('ROLLBACK TO SAVEPOINT import_statement');
          skip(item, headline(text), (err as Error).message);
        }
        summary.statements += 1;
        continue;
      }
      await client.query(text);
      summary.statements += 1;
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (err instanceof DumpSyntaxError) throw new RestoreError(err.message, err.line);
    if (err instanceof RestoreError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new RestoreError(message, item?.line ?? 0);
  }
  return summary;
}
