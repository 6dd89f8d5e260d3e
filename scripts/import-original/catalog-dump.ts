/**
 * A plain SQL dump of a live database without pg_dump, for machines that have only Node: the
 * definitions come from PostgreSQL's own deparsers (format_type, pg_get_expr,
 * pg_get_constraintdef, pg_get_indexdef, pg_get_viewdef, pg_get_functiondef,
 * pg_get_triggerdef), the rows from COPY … TO STDOUT, all in one read-only snapshot. It covers
 * what the original's databases hold (schemas, sequences, tables with defaults and identity
 * columns, constraints, indexes, views, functions, triggers, enums, domains, comments) and
 * refuses, in one line, a database with anything else (inheritance, partitions, rules,
 * policies, aggregates), rather than leave it out silently.
 */
import { Readable } from 'node:stream';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { splitLines } from './dump-files.js';
import { ImportError } from './errors.js';
import { describeUrl } from './names.js';

const USER_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_'`;
const NOT_EXTENSION = (classid: string, objid: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '${classid}'::regclass
                 AND d.objid = ${objid} AND d.deptype = 'e')`;

async function rows<T extends pg.QueryResultRow>(client: pg.Client, sql: string): Promise<T[]> {
  return (await client.query<T>(sql)).rows;
}

async function refuseUnsupported(client: pg.Client, where: string): Promise<void> {
  const checks: [string, string][] = [
    [
      'tables that inherit or are partitioned',
      `SELECT count(*) AS n FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${USER_SCHEMAS}`,
    ],
    [
      'rules',
      `SELECT count(*) AS n FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
         JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE ${USER_SCHEMAS} AND r.rulename <> '_RETURN'`,
    ],
    ['row-level security policies', `SELECT count(*) AS n FROM pg_policy`],
    [
      'aggregates',
      `SELECT count(*) AS n FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE ${USER_SCHEMAS} AND p.prokind = 'a' AND ${NOT_EXTENSION('pg_proc', 'p.oid')}`,
    ],
    [
      'composite types, ranges or foreign tables',
      `SELECT (SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                WHERE ${USER_SCHEMAS} AND t.typtype IN ('r', 'm')
                  AND ${NOT_EXTENSION('pg_type', 't.oid')})
            + (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE ${USER_SCHEMAS} AND c.relkind IN ('c', 'f')
                  AND ${NOT_EXTENSION('pg_class', 'c.oid')}) AS n`,
    ],
  ];
  for (const [what, sql] of checks) {
    const [row] = await rows<{ n: string }>(client, sql);
    if (Number(row?.n ?? 0) > 0) {
      throw new ImportError(
        `${where} has ${what}, which reading without pg_dump does not cover: put pg_dump (the server's major version or newer) on PATH`,
      );
    }
  }
}

/** COPY … TO STDOUT of one table, as lines. */
async function* tableData(
  client: pg.Client,
  table: string,
  columns: string,
): AsyncGenerator<string> {
  const stream = client.query(copyTo(`COPY ${table} (${columns}) TO STDOUT`));
  yield* splitLines(Readable.from(stream));
}

async function* statements(client: pg.Client, where: string): AsyncGenerator<string> {
  yield '--';
  yield '-- PostgreSQL database dump';
  yield `-- read without pg_dump from ${where}`;
  yield '--';
  yield "SET client_encoding = 'UTF8';";
  yield 'SET standard_conforming_strings = on;';
  yield "SELECT pg_catalog.set_config('search_path', '', false);";
  yield 'SET check_function_bodies = false;';

  for (const r of await rows<{ sql: string }>(
    client,
    `SELECT format('CREATE SCHEMA IF NOT EXISTS %I;', n.nspname) AS sql FROM pg_namespace n
      WHERE ${USER_SCHEMAS} AND n.nspname <> 'public' AND ${NOT_EXTENSION('pg_namespace', 'n.oid')}
      ORDER BY n.oid`,
  )) {
    yield r.sql;
  }
  for (const r of await rows<{ sql: string }>(
    client,
    `SELECT format('CREATE EXTENSION IF NOT EXISTS %I WITH SCHEMA %I;', e.extname, n.nspname) AS sql
       FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
      WHERE e.extname <> 'plpgsql' ORDER BY e.oid`,
  )) {
    yield r.sql;
  }
  // Enums and domains, before the tables that use them.
  for (const r of await rows<{ sql: string }>(
    client,
    `SELECT CASE t.typtype
              WHEN 'e' THEN format('CREATE TYPE %s AS ENUM (%s);', t.oid::regtype,
                (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)
                   FROM pg_enum e WHERE e.enumtypid = t.oid))
              ELSE format('CREATE DOMAIN %s AS %s%s%s%s;', t.oid::regtype,
                format_type(t.typbasetype, t.typtypmod),
                CASE WHEN t.typdefault IS NOT NULL THEN ' DEFAULT ' || t.typdefault ELSE '' END,
                CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END,
                COALESCE((SELECT string_agg(' CONSTRAINT ' || quote_ident(c.conname) || ' '
                                            || pg_get_constraintdef(c.oid), '' ORDER BY c.conname)
                            FROM pg_constraint c WHERE c.contypid = t.oid), ''))
            END AS sql
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE ${USER_SCHEMAS} AND t.typtype IN ('e', 'd') AND ${NOT_EXTENSION('pg_type', 't.oid')}
      ORDER BY t.oid`,
  )) {
    yield r.sql;
  }
  // Functions before tables: a default or check may call one (bodies are not checked yet).
  for (const r of await rows<{ sql: string }>(
    client,
    `SELECT pg_get_functiondef(p.oid) || ';' AS sql FROM pg_proc p
       JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE ${USER_SCHEMAS} AND p.prokind IN ('f', 'p') AND ${NOT_EXTENSION('pg_proc', 'p.oid')}
      ORDER BY p.oid`,
  )) {
    yield* r.sql.split('\n');
  }
  // Sequences that are not an identity column's (those come with their table).
  const sequences = await rows<{ name: string; sql: string; setval: string | null }>(
    client,
    `SELECT c.oid::regclass::text AS name,
            format('CREATE SEQUENCE %s AS %s INCREMENT BY %s MINVALUE %s MAXVALUE %s START WITH %s CACHE %s%s;',
                   c.oid::regclass, format_type(s.seqtypid, NULL), s.seqincrement, s.seqmin,
                   s.seqmax, s.seqstart, s.seqcache, CASE WHEN s.seqcycle THEN ' CYCLE' ELSE '' END) AS sql,
            (SELECT format('SELECT pg_catalog.setval(%L, %s, %s);', c.oid::regclass::text,
                           ps.last_value, 'true')
               FROM pg_sequences ps
              WHERE ps.schemaname = n.nspname AND ps.sequencename = c.relname
                AND ps.last_value IS NOT NULL) AS setval
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_sequence s ON s.seqrelid = c.oid
      WHERE ${USER_SCHEMAS} AND c.relkind = 'S' AND ${NOT_EXTENSION('pg_class', 'c.oid')}
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                         AND d.objid = c.oid AND d.deptype = 'i')
      ORDER BY c.oid`,
  );
  for (const s of sequences) yield s.sql;

  const tables = await rows<{ oid: number; name: string; columns: string; copy_columns: string }>(
    client,
    `SELECT c.oid, c.oid::regclass::text AS name,
            string_agg(format('%I %s%s%s%s', a.attname, format_type(a.atttypid, a.atttypmod),
                CASE WHEN a.attcollation <> 0 AND a.attcollation <> ty.typcollation
                     THEN ' COLLATE ' || a.attcollation::regcollation::text ELSE '' END,
                CASE WHEN a.attidentity IN ('a', 'd')
                       THEN format(' GENERATED %s AS IDENTITY',
                                   CASE a.attidentity WHEN 'a' THEN 'ALWAYS' ELSE 'BY DEFAULT' END)
                     WHEN a.attgenerated = 's'
                       THEN format(' GENERATED ALWAYS AS (%s) STORED', pg_get_expr(ad.adbin, ad.adrelid))
                     WHEN ad.adbin IS NOT NULL THEN ' DEFAULT ' || pg_get_expr(ad.adbin, ad.adrelid)
                     ELSE '' END,
                CASE WHEN a.attnotnull AND a.attidentity = '' THEN ' NOT NULL' ELSE '' END),
              E',\n    ' ORDER BY a.attnum) AS columns,
            string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
              FILTER (WHERE a.attgenerated = '') AS copy_columns
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       JOIN pg_type ty ON ty.oid = a.atttypid
       LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
      WHERE ${USER_SCHEMAS} AND c.relkind = 'r' AND ${NOT_EXTENSION('pg_class', 'c.oid')}
      GROUP BY c.oid ORDER BY c.oid`,
  );
  for (const t of tables) {
    yield `CREATE TABLE ${t.name} (`;
    yield `    ${t.columns}`;
    yield ');';
  }
  // Identity sequences' positions, and which column owns each plain sequence.
  for (const r of await rows<{ sql: string }>(
    client,
    `SELECT format('ALTER SEQUENCE %s OWNED BY %s.%I;', d.objid::regclass, d.refobjid::regclass, a.attname) AS sql
       FROM pg_depend d JOIN pg_class c ON c.oid = d.objid AND c.relkind = 'S'
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
      WHERE ${USER_SCHEMAS} AND d.classid = 'pg_class'::regclass AND d.deptype = 'a'
      ORDER BY c.oid`,
  )) {
    yield r.sql;
  }
  for (const s of sequences) if (s.setval) yield s.setval;
  for (const r of await rows<{ sql: string }>(
    client,
    `SELECT format('SELECT pg_catalog.setval(pg_get_serial_sequence(%L, %L), %s, true);',
                   c.oid::regclass::text, a.attname, ps.last_value) AS sql
       FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
       JOIN pg_namespace sn ON sn.oid = s.relnamespace
       JOIN pg_sequences ps ON ps.schemaname = sn.nspname AND ps.sequencename = s.relname
       JOIN pg_class c ON c.oid = d.refobjid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.refobjsubid
      WHERE ${USER_SCHEMAS} AND d.classid = 'pg_class'::regclass AND d.deptype = 'i'
        AND ps.last_value IS NOT NULL`,
  )) {
    yield r.sql;
  }

  for (const t of tables) {
    if (!t.copy_columns) continue;
    yield `COPY ${t.name} (${t.copy_columns}) FROM stdin;`;
    yield* tableData(client, t.name, t.copy_columns);
    yield '\\.';
  }

  // Keys and uniques first (foreign keys need them), then checks and exclusions, then
  // foreign keys; then the other indexes, views, triggers and comments.
  for (const r of await rows<{ sql: string }>(
    client,
    `SELECT format('ALTER TABLE ONLY %s ADD CONSTRAINT %I %s;', c.conrelid::regclass, c.conname,
                   pg_get_constraintdef(c.oid)) AS sql
       FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
      WHERE ${USER_SCHEMAS} AND c.conrelid <> 0 AND c.contype IN ('p', 'u', 'c', 'x', 'f')
        AND c.conislocal
      ORDER BY CASE c.contype WHEN 'p' THEN 0 WHEN 'u' THEN 1 WHEN 'f' THEN 3 ELSE 2 END, c.oid`,
  )) {
    yield r.sql;
  }
  for (const r of await rows<{ sql: string }>(
    client,
    `SELECT pg_get_indexdef(i.indexrelid) || ';' AS sql FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE ${USER_SCHEMAS}
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid
                         AND k.contype IN ('p', 'u', 'x'))
      ORDER BY i.indexrelid`,
  )) {
    yield r.sql;
  }
  for (const r of await rows<{ sql: string }>(
    client,
    `SELECT format('CREATE %sVIEW %s AS %s', CASE c.relkind WHEN 'm' THEN 'MATERIALIZED ' ELSE '' END,
                   c.oid::regclass, rtrim(pg_get_viewdef(c.oid), ';')) || ';' AS sql
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE ${USER_SCHEMAS} AND c.relkind IN ('v', 'm') AND ${NOT_EXTENSION('pg_class', 'c.oid')}
      ORDER BY c.oid`,
  )) {
    yield* r.sql.split('\n');
  }
  for (const r of await rows<{ sql: string }>(
    client,
    `SELECT pg_get_triggerdef(t.oid) || ';' AS sql FROM pg_trigger t
       JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE ${USER_SCHEMAS} AND NOT t.tgisinternal ORDER BY t.oid`,
  )) {
    yield r.sql;
  }
  for (const r of await rows<{ sql: string }>(
    client,
    `SELECT format('COMMENT ON %s %s IS %L;',
                   CASE WHEN d.objsubid = 0 THEN
                     CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                    WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END
                     ELSE 'COLUMN' END,
                   CASE WHEN d.objsubid = 0 THEN c.oid::regclass::text
                        ELSE format('%s.%I', c.oid::regclass, a.attname) END,
                   d.description) AS sql
       FROM pg_description d JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid
      WHERE ${USER_SCHEMAS} AND c.relkind IN ('r', 'v', 'm', 'S')
      ORDER BY c.oid, d.objsubid`,
  )) {
    yield* r.sql.split('\n');
  }
  yield '--';
  yield '-- PostgreSQL database dump complete';
  yield '--';
}

/** Reads the database at `url` in one read-only snapshot; never writes to it. */
export async function* catalogDump(url: string): AsyncGenerator<string> {
  const where = describeUrl(url);
  const client = new pg.Client({
    connectionString: url,
    options: '-c default_transaction_read_only=on',
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    // Names in every definition come out schema-qualified, as in pg_dump's output.
    await client.query(`SET LOCAL search_path = ''`);
    await refuseUnsupported(client, where);
    yield* statements(client, where);
    await client.query('COMMIT');
  } finally {
    await client.end().catch(() => undefined);
  }
}
