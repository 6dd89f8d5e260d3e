/**
 * Facts about a database's catalogue (public schema), in a form two databases can be compared
 * by: tables with their columns, constraints, indexes and triggers; views with their columns;
 * functions with their signatures; sequences. Used to prove that the fixtures build the same
 * objects as the original's real files (see capture-catalog.ts and the snapshots/ folder).
 */

import type pg from 'pg';

export interface CatalogColumn {
  name: string;
  type: string;
  notNull: boolean;
  default: string | null;
}

export interface CatalogTable {
  name: string;
  columns: CatalogColumn[];
  constraints: { name: string; type: string; definition: string }[];
  indexes: { name: string; definition: string }[];
  triggers: { name: string; definition: string }[];
}

export interface CatalogFunction {
  name: string;
  arguments: string;
  result: string;
  language: string;
  kind: string;
  volatility: string;
  strict: boolean;
  securityDefiner: boolean;
}

export interface CatalogSequence {
  name: string;
  type: string;
  start: string;
  increment: string;
  min: string;
  max: string;
  cache: string;
  cycle: boolean;
  ownedBy: string | null;
}

export interface Catalog {
  tables: CatalogTable[];
  views: { name: string; columns: { name: string; type: string }[] }[];
  functions: CatalogFunction[];
  sequences: CatalogSequence[];
}

const PUBLIC = `'public'::regnamespace`;

async function columnsOf(client: pg.ClientBase, oid: number): Promise<CatalogColumn[]> {
  const { rows } = await client.query<CatalogColumn>(
    `select a.attname as name, format_type(a.atttypid, a.atttypmod) as type,
            a.attnotnull as "notNull", pg_get_expr(d.adbin, d.adrelid) as default
       from pg_attribute a
       left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
      where a.attrelid = $1 and a.attnum > 0 and not a.attisdropped
      order by a.attnum`,
    [oid],
  );
  return rows;
}

/** One table's columns (in order), constraints, indexes and triggers. */
export async function catalogTable(client: pg.ClientBase, name: string): Promise<CatalogTable> {
  const { rows: found } = await client.query<{ oid: number }>(
    `select oid from pg_class where relnamespace = ${PUBLIC} and relname = $1`,
    [name],
  );
  const oid = found[0]?.oid;
  if (oid === undefined) throw new Error(`no table ${name}`);
  const { rows: constraints } = await client.query<{
    name: string;
    type: string;
    definition: string;
  }>(
    `select conname as name, contype::text as type, pg_get_constraintdef(oid) as definition
       from pg_constraint where conrelid = $1 order by conname collate "C"`,
    [oid],
  );
  const { rows: indexes } = await client.query<{ name: string; definition: string }>(
    `select c.relname as name, pg_get_indexdef(i.indexrelid) as definition
       from pg_index i join pg_class c on c.oid = i.indexrelid
      where i.indrelid = $1 order by c.relname collate "C"`,
    [oid],
  );
  const { rows: triggers } = await client.query<{ name: string; definition: string }>(
    `select tgname as name, pg_get_triggerdef(oid) as definition
       from pg_trigger where tgrelid = $1 and not tgisinternal order by tgname collate "C"`,
    [oid],
  );
  return { name, columns: await columnsOf(client, oid), constraints, indexes, triggers };
}

/** The catalogue of the public schema the client is connected to. */
export async function captureCatalog(client: pg.ClientBase): Promise<Catalog> {
  const { rows: relations } = await client.query<{ oid: number; name: string; kind: string }>(
    `select oid, relname as name, relkind::text as kind from pg_class
      where relnamespace = ${PUBLIC} and relkind in ('r', 'p', 'v')
      order by relname collate "C"`,
  );
  const tables: CatalogTable[] = [];
  const views: Catalog['views'] = [];
  for (const relation of relations) {
    if (relation.kind === 'v') {
      const columns = await columnsOf(client, relation.oid);
      views.push({
        name: relation.name,
        columns: columns.map(({ name, type }) => ({ name, type })),
      });
    } else {
      tables.push(await catalogTable(client, relation.name));
    }
  }
  const { rows: functions } = await client.query<CatalogFunction>(
    `select p.proname as name, pg_get_function_arguments(p.oid) as arguments,
            coalesce(pg_get_function_result(p.oid), '') as result, l.lanname as language,
            p.prokind::text as kind, p.provolatile::text as volatility, p.proisstrict as strict,
            p.prosecdef as "securityDefiner"
       from pg_proc p join pg_language l on l.oid = p.prolang
      where p.pronamespace = ${PUBLIC}
      order by p.proname collate "C", pg_get_function_identity_arguments(p.oid) collate "C"`,
  );
  const { rows: sequences } = await client.query<CatalogSequence>(
    `select c.relname as name, format_type(s.seqtypid, null) as type, s.seqstart::text as start,
            s.seqincrement::text as increment, s.seqmin::text as min, s.seqmax::text as max,
            s.seqcache::text as cache, s.seqcycle as cycle,
            (select t.relname || '.' || a.attname
               from pg_depend d
               join pg_class t on t.oid = d.refobjid
               join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
              where d.classid = 'pg_class'::regclass and d.objid = c.oid
                and d.refclassid = 'pg_class'::regclass and d.deptype in ('a', 'i')) as "ownedBy"
       from pg_class c join pg_sequence s on s.seqrelid = c.oid
      where c.relnamespace = ${PUBLIC}
      order by c.relname collate "C"`,
  );
  return { tables, views, functions, sequences };
}

/** Where each sequence stands (which values failed inserts used up shows here too). */
export async function sequencePositions(
  client: pg.ClientBase,
): Promise<Record<string, { lastValue: string; isCalled: boolean }>> {
  const { rows } = await client.query<{ name: string }>(
    `select relname as name from pg_class where relnamespace = ${PUBLIC} and relkind = 'S'
      order by relname collate "C"`,
  );
  const positions: Record<string, { lastValue: string; isCalled: boolean }> = {};
  for (const { name } of rows) {
    const { rows: state } = await client.query<{ last_value: string; is_called: boolean }>(
      `select last_value::text, is_called from public."${name.replaceAll('"', '""')}"`,
    );
    const row = state[0];
    if (row) positions[name] = { lastValue: row.last_value, isCalled: row.is_called };
  }
  return positions;
}
