/**
 * Snapshots of the databases the original leaves (catalogue, failed statements, data,
 * behaviour of views and functions), in a form that does not depend on the day they were
 * taken, so that the fixtures built today can be compared with the real files' result
 * captured once (capture-catalog.ts) and committed under snapshots/.
 */

import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { probeUserDatabaseBehaviour, type BehaviourProbes } from './behaviour.js';
import { captureCatalog, sequencePositions, type Catalog } from './catalog.js';
import type { StatementFailure } from './run-statements.js';
import {
  buildOriginalUserScenario,
  type OriginalUserScenario,
  type OriginalUserVariant,
  type ScenarioOptions,
} from './scenarios.js';

export interface UserSnapshot {
  variant: OriginalUserVariant;
  chain: {
    files: { file: string; statements: number; ran: number }[];
    failures: StatementFailure[];
    stopped: boolean;
  };
  catalog: Catalog;
  sequences: Record<string, { lastValue: string; isCalled: boolean }>;
  actions: OriginalUserScenario['actions'];
  database: OriginalUserScenario['database'];
  behaviour: BehaviourProbes;
}

/** Where the committed snapshots live. */
export const SNAPSHOT_DIR = new URL('./snapshots/', import.meta.url);

export function snapshotFile(name: string): URL {
  return new URL(`${name}.json`, SNAPSHOT_DIR);
}

export async function readSnapshot<T>(name: string): Promise<T> {
  return JSON.parse(await readFile(snapshotFile(name), 'utf8')) as T;
}

/**
 * A server message without the piece of statement text it quotes (`at or near "…"`): the
 * fixtures' SQL is worded differently from the original's, the error is the same.
 */
export function comparableMessage(message: string): string {
  return message.replace(/ at or near "[\s\S]*$/, ' at or near "…"');
}

const ISO_INSTANT =
  /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2}(?::\d{2})?)?)?$/;

/**
 * Replaces what depends on when a snapshot is taken: instants and dates from the day before
 * the run to the day after it (now() defaults, 0013's CURRENT_DATE row and its random time) become
 * `<run time>`, and the run's date inside text (`daily-<date>`, `attendance_daily_<date>`)
 * becomes `<today>`.
 */
export function timeIndependent<T>(value: T, run: { since: Date; today: string }): T {
  const from = run.since.getTime() - 25 * 60 * 60 * 1000;
  const until = Date.now() + 48 * 60 * 60 * 1000;
  const visit = (item: unknown): unknown => {
    if (typeof item === 'string') {
      const match = ISO_INSTANT.exec(item);
      if (match) {
        const zone = match[3] ?? 'Z';
        const instant = Date.parse(
          `${match[1]}T${match[2] ?? '00:00:00'}${zone.length === 3 ? `${zone}:00` : zone}`,
        );
        if (instant >= from && instant <= until) return '<run time>';
        return item;
      }
      return item
        .replaceAll(run.today, '<today>')
        .replaceAll(run.today.replaceAll('-', '_'), '<today>');
    }
    if (Array.isArray(item)) return item.map(visit);
    if (item !== null && typeof item === 'object') {
      return Object.fromEntries(Object.entries(item).map(([key, inner]) => [key, visit(inner)]));
    }
    return item;
  };
  return visit(value) as T;
}

/**
 * Builds one scenario on the empty database at `databaseUrl` (with our SQL, or the real files
 * when `options.runner` says so) and captures everything a snapshot compares.
 */
export async function captureUserSnapshot(
  databaseUrl: string,
  variant: OriginalUserVariant,
  options: ScenarioOptions = {},
): Promise<UserSnapshot> {
  const since = new Date();
  const scenario = await buildOriginalUserScenario(databaseUrl, variant, options);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ today: string }>(`select current_date::text as today`);
    const today = rows[0]?.today ?? '';
    const snapshot: UserSnapshot = {
      variant,
      chain: {
        files: scenario.chain.files.map(({ file, statements, ran }) => ({ file, statements, ran })),
        failures: scenario.chain.failures.map((failure) => ({
          ...failure,
          message: comparableMessage(failure.message),
        })),
        stopped: scenario.chain.stopped,
      },
      catalog: await captureCatalog(client),
      sequences: await sequencePositions(client),
      actions: scenario.actions.map((action) => ({
        ...action,
        errors: action.errors.map((error) => ({
          ...error,
          message: comparableMessage(error.message),
        })),
      })),
      database: scenario.database,
      behaviour: await probeUserDatabaseBehaviour(client),
    };
    return timeIndependent(snapshot, { since, today });
  } finally {
    await client.end();
  }
}
