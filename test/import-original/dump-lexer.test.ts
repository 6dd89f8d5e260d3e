import { describe, expect, it } from 'vitest';
import {
  DumpSyntaxError,
  readDump,
  type DumpItem,
} from '../../scripts/import-original/dump-lexer.js';
import { originalEventTable } from '../../scripts/import-original/names.js';

type Plain =
  | { kind: 'statement'; text: string; line: number }
  | { kind: 'copy'; text: string; line: number; data: string[] }
  | { kind: 'meta'; name: string; argument: string; line: number };

async function read(sql: string): Promise<Plain[]> {
  async function* lines() {
    for (const line of sql.split('\n')) yield line;
  }
  const items: Plain[] = [];
  for await (const item of readDump(lines()) as AsyncIterable<DumpItem>) {
    if (item.kind === 'copy') {
      const data: string[] = [];
      for await (const chunk of item.data) data.push(chunk);
      items.push({ kind: 'copy', text: item.text, line: item.line, data });
    } else {
      items.push(item);
    }
  }
  return items;
}

describe('reading pg_dump plain SQL', () => {
  it('splits statements at semicolons outside quotes, comments and dollar-quoted bodies', async () => {
    const items = await read(
      [
        '--',
        '-- PostgreSQL database dump',
        '--',
        '',
        "SELECT 'a;b', 'it''s', \"we;ird\"\"name\" FROM t;",
        "SELECT E'it\\'s; still a string';",
        'CREATE FUNCTION f() RETURNS void AS $body$',
        "BEGIN PERFORM 1; RAISE NOTICE '$$;'; END;",
        '$body$ LANGUAGE plpgsql;',
        'CREATE FUNCTION g() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;',
        '/* a comment; /* nested; */ still */ SELECT 2;',
        'CREATE TABLE x (a int CHECK (a > 0), b text DEFAULT $q$;$q$);',
        'SELECT $1 AS not_a_dollar_quote;',
      ].join('\n'),
    );
    expect(items.map((i) => (i.kind === 'statement' ? i.text : i.kind))).toEqual([
      "SELECT 'a;b', 'it''s', \"we;ird\"\"name\" FROM t",
      "SELECT E'it\\'s; still a string'",
      "CREATE FUNCTION f() RETURNS void AS $body$\nBEGIN PERFORM 1; RAISE NOTICE '$$;'; END;\n$body$ LANGUAGE plpgsql",
      'CREATE FUNCTION g() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql',
      '/* a comment; /* nested; */ still */ SELECT 2',
      'CREATE TABLE x (a int CHECK (a > 0), b text DEFAULT $q$;$q$)',
      'SELECT $1 AS not_a_dollar_quote',
    ]);
    expect(items[0]?.line).toBe(5);
  });

  it('hands out COPY data up to \\. without reading it as SQL, and psql meta-commands', async () => {
    const items = await read(
      [
        '\\restrict AbC123',
        'SET transaction_timeout = 0;',
        'COPY public.t (id, v) FROM stdin;',
        "1\tit's; not SQL",
        '2\t\\\\.',
        '3\t\\N',
        '\\.',
        '',
        '\\connect - someone',
        'SELECT 1;',
        '\\unrestrict AbC123',
      ].join('\n'),
    );
    expect(items).toEqual([
      { kind: 'meta', name: 'restrict', argument: 'AbC123', line: 1 },
      { kind: 'statement', text: 'SET transaction_timeout = 0', line: 2 },
      {
        kind: 'copy',
        text: 'COPY public.t (id, v) FROM stdin',
        line: 3,
        data: ["1\tit's; not SQL\n", '2\t\\\\.\n', '3\t\\N\n'],
      },
      { kind: 'meta', name: 'connect', argument: '- someone', line: 9 },
      { kind: 'statement', text: 'SELECT 1', line: 10 },
      { kind: 'meta', name: 'unrestrict', argument: 'AbC123', line: 11 },
    ]);
  });

  it.each([
    ["SELECT 'unterminated;", /inside a quoted string/],
    ['CREATE FUNCTION f() AS $$ BEGIN', /inside a dollar-quoted body/],
    ['SELECT 1', /inside a statement/],
    ['COPY t (a) FROM stdin;\n1', /inside COPY data/],
  ])('a file cut short inside %j is an error', async (sql, message) => {
    const error = await read(sql).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(DumpSyntaxError);
    expect((error as Error).message).toMatch(message);
  });
});

describe("the original's per-event table names", () => {
  it('turns - into _, folds ASCII capitals and cuts at 63 bytes without splitting a character', () => {
    expect(originalEventTable('team-meeting-2025-06-10')).toBe(
      'attendance_team_meeting_2025_06_10',
    );
    expect(originalEventTable('Riunione-2025-06-10')).toBe('attendance_riunione_2025_06_10');
    const long = originalEventTable(`${'è'.repeat(40)}-2025-06-10`);
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(63);
    expect(long).toBe(`attendance_${'è'.repeat(26)}`);
  });
});
