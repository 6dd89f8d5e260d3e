/**
 * What the original's views and functions do on a given user database, captured so that the
 * fixtures' versions can be compared with the real ones on the same data. Everything runs in
 * one transaction that is rolled back: the database is left as it was.
 */

import type pg from 'pg';
import { catalogTable, type CatalogTable } from './catalog.js';
import { describeDatabaseError } from './run-statements.js';

/** The answer to one probe: rows, a returned value, or the error the server raised. */
export type ProbeResult =
  | { rows: Record<string, unknown>[] }
  | { value: unknown }
  | { error: { sqlstate: string; message: string } };

export interface BehaviourProbes {
  /** Results by probe name, e.g. `view event_attendance_stats_automatic`. */
  results: Record<string, ProbeResult>;
  /** The table that setup_automatic_attendance_event made during the probes, if it could. */
  probeTable: CatalogTable | null;
}

const PROBE_TABLE = 'attendance_probe_setup';

async function inSavepoint(
  client: pg.ClientBase,
  work: () => Promise<ProbeResult>,
): Promise<ProbeResult> {
  await client.query('savepoint probe');
  try {
    const result = await work();
    await client.query('release savepoint probe');
    return result;
  } catch (error) {
    await client.query('rollback to savepoint probe');
    return { error: describeDatabaseError(error) };
  }
}

async function rows(client: pg.ClientBase, sql: string): Promise<ProbeResult> {
  const result = await client.query<{ row: Record<string, unknown> }>(
    `select to_jsonb(probe) as row from (${sql}) probe`,
  );
  return { rows: result.rows.map((row) => row.row) };
}

async function value(client: pg.ClientBase, sql: string): Promise<ProbeResult> {
  const result = await client.query<{ value: unknown }>(`select (${sql}) as value`);
  return { value: result.rows[0]?.value ?? null };
}

/**
 * Gives every event made-up but varied counters (the first event no scans at all, the fourth no
 * users), scan times, and creation times (some far in the future, so that the 30-day window of
 * the monitoring view keeps them, some long past), then reads both views and calls each
 * function of 0008 and 0012, including the broken ones.
 */
export async function probeUserDatabaseBehaviour(client: pg.ClientBase): Promise<BehaviourProbes> {
  const results: Record<string, ProbeResult> = {};
  let probeTable: CatalogTable | null = null;
  await client.query('begin');
  try {
    await client.query(`set local timezone = 'UTC'`);
    results['set counters'] = await inSavepoint(client, async () => {
      await client.query(
        `update attendance_events ev
            set total_users = n.k % 4 * 2,
                present_count = least(n.k * 5 % 7, n.k % 4 * 2),
                scan_success_count = (n.k + 4) % 5,
                scan_error_count = (n.k + 2) % 3,
                last_scan_at = case n.k % 3 when 0 then null
                                            when 1 then timestamptz '2001-02-03 04:05:06+00'
                                            else timestamptz '2999-02-03 04:05:06+00' end,
                created_at = case n.k % 2
                               when 0 then timestamp '2999-01-01 00:00' + n.k * interval '1 minute'
                               else timestamp '2001-01-01 00:00' + n.k * interval '1 minute' end,
                system_notes = case when n.k % 4 = 0 then 'note ' || n.k end
           from (select id, row_number() over (order by id) as k from attendance_events) n
          where n.id = ev.id`,
      );
      return { value: 'done' };
    });
    for (const view of ['event_attendance_stats_automatic', 'automatic_qr_admin_monitoring']) {
      results[`view ${view}`] = await inSavepoint(client, () =>
        rows(client, `select * from ${view}`),
      );
    }
    const firstTable = await client.query<{ name: string }>(
      `select relname as name from pg_class
        where relnamespace = 'public'::regnamespace and relkind = 'r'
          and relname like 'attendance\\_%' and relname <> 'attendance_events'
        order by relname collate "C" limit 1`,
    );
    const table = firstTable.rows[0]?.name ?? 'attendance_missing';
    const calls: [string, string][] = [
      ['update_event_statistics', `update_event_statistics('${table}', 1)::text`],
      ['track_qr_scan_result success', `track_qr_scan_result(1, true)::text`],
      ['track_qr_scan_result failure', `track_qr_scan_result(1, false, 'probe error')::text`],
      ['setup_automatic_attendance_event', `setup_automatic_attendance_event('${PROBE_TABLE}')`],
      ['populate_automatic_event_users', `populate_automatic_event_users('${PROBE_TABLE}')`],
      ['populate_event_users_automatic', `populate_event_users_automatic('${PROBE_TABLE}')::text`],
      [
        'create_attendance_table_automatic on a name needing quotes',
        `create_attendance_table_automatic('attendance_Probe Mixed')::text`,
      ],
    ];
    for (const [name, call] of calls) {
      results[`call ${name}`] = await inSavepoint(client, () => value(client, call));
    }
    results['rows of the probe table'] = await inSavepoint(client, () =>
      rows(
        client,
        `select id, user_id, name, surname, status, scanned_at, updated_at is not null as stamped
           from ${PROBE_TABLE} order by id`,
      ),
    );
    const made = await client.query(
      `select 1 from pg_class where relnamespace = 'public'::regnamespace and relname = $1`,
      [PROBE_TABLE],
    );
    if (made.rows.length > 0) probeTable = await catalogTable(client, PROBE_TABLE);
  } finally {
    await client.query('rollback');
  }
  return { results, probeTable };
}
