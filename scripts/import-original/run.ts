/**
 * make import-original: the original's data (its nightly backups, or its live databases) into
 * the port, through staging databases, a report, and only then a swap.
 */
import {
  accountsIn,
  checkUsersAfter,
  conflictsIn,
  dropSnapshot,
  snapshotUsers,
  socialRowsIn,
  type UsersBefore,
} from './checks.js';
import { ImportError } from './errors.js';
import { log, output } from './log.js';
import { ORIGINAL_DATABASES, stampOf, type OriginalDatabase } from './names.js';
import {
  renderReport,
  writeReport,
  type DatabaseReport,
  type EventLine,
  type Report,
} from './report.js';
import type { Source } from './sources.js';
import {
  checkIdentity,
  createStaging,
  dropDatabase,
  grantPortPrivileges,
  grantReadOnly,
  migrate,
  restoreInto,
  takeOwnership,
  withClient,
} from './staging.js';
import { refuseConnected, swap, targetState, type SwapStep, type TargetState } from './swap.js';
import type { Target } from './target.js';

/** Set while the databases are being swapped: an interruption then waits for the end. */
export const swapping = { now: false };

export interface RunOptions {
  dryRun: boolean;
  replace: boolean;
}

/** The exit code: 0 imported (or a clean dry run), 2 when a check-in or account would be lost. */
export async function runImport(
  sources: Source[],
  target: Target,
  options: RunOptions,
  warnings: string[],
): Promise<number> {
  const startedAt = new Date();
  const stamp = stampOf(startedAt);
  const originals = ORIGINAL_DATABASES.filter((o) => sources.some((s) => s.original === o));
  const sourceOf = (o: OriginalDatabase) => sources.find((s) => s.original === o) as Source;
  const nameOf = (o: OriginalDatabase) => target.databases[o].name;

  await dropLeftovers(target, originals);

  // What the port has now: refused, before any work, if it would be overwritten unasked.
  const states = {} as Record<OriginalDatabase, TargetState>;
  for (const o of originals) states[o] = await targetState(target, o);
  const occupied = originals.filter((o) => states[o].tablesWithRows.length > 0);
  const describeOccupied = occupied
    .map((o) => `${nameOf(o)} (${states[o].tablesWithRows.slice(0, 4).join(', ')})`)
    .join(', ');
  if (occupied.length > 0 && !options.replace) {
    const message = `the port's database(s) already hold data: ${describeOccupied}; REPLACE=1 imports anyway and keeps the old ones as <name>_before_import_${stamp}`;
    if (!options.dryRun) throw new ImportError(`${message}; nothing was changed`);
    warnings.push(`a real run would be refused: ${message}`);
  }
  if (!options.dryRun && !target.stopServices) await refuseConnected(target, originals);

  const staged = new Map<OriginalDatabase, string>();
  const swapped = new Set<OriginalDatabase>();
  const databases: Partial<Record<OriginalDatabase, DatabaseReport>> = {};
  try {
    // 1. Restore each original into a staging database.
    for (const o of originals) {
      const staging = `${nameOf(o)}_import_${stamp}`;
      const source = sourceOf(o);
      log(`restoring ${source.description} into ${staging}`);
      await createStaging(target.adminUrl(o, 'postgres'), target.databases[o], staging);
      staged.set(o, staging);
      const url = target.adminUrl(o, staging);
      const began = performance.now();
      const restored = await restoreInto(url, source.lines(), source.description);
      log(`restored ${restored.copiedRows} rows in ${seconds(began)}`);
      const { port } = await checkIdentity(url, o, source.description);
      if (port)
        warnings.push(`${source.description} is a dump of the port already (it has pgmigrations)`);
      databases[o] = {
        source: source.description,
        staging,
        target: nameOf(o),
        statements: restored.statements,
        copiedRows: restored.copiedRows,
        ownerStatementsReplaced: restored.ownerStatements,
        skippedStatements: restored.skipped,
        migrationsApplied: [],
        targetBefore: states[o],
      };
    }

    // 2. The numbers before, read from the original as it was.
    const url = (o: OriginalDatabase) => target.adminUrl(o, staged.get(o) ?? '');
    const has = (o: OriginalDatabase) => staged.has(o);
    const accountsBefore = has('auth_logs_db')
      ? await withClient(url('auth_logs_db'), accountsIn)
      : null;
    let usersBefore: UsersBefore | null = null;
    if (has('users_db')) usersBefore = await withClient(url('users_db'), snapshotUsers);
    const socialBefore = has('social_logs_db')
      ? await withClient(url('social_logs_db'), socialRowsIn)
      : null;

    // 3. The port's roles and migrations.
    for (const o of originals) {
      const staging = staged.get(o) ?? '';
      log(
        `upgrading ${staging} with ${o === 'auth_logs_db' ? 'auth' : o === 'users_db' ? 'user' : 'social-log'}-service's migrations`,
      );
      await takeOwnership(url(o), target.databases[o].owner);
      await grantPortPrivileges(url(o), target.databases[o]);
      const began = performance.now();
      const applied = await migrate(target.adminUrl(o, 'postgres'), staging, target.databases[o]);
      log(`${applied.length} migration(s) applied in ${seconds(began)}`);
      await grantPortPrivileges(url(o), target.databases[o]);
      await grantReadOnly(target.adminUrl(o, 'postgres'), staging, target.databases[o]);
      const db = databases[o];
      if (db) db.migrationsApplied = applied;
    }

    // 4. The numbers after, and what would be lost.
    const checking = performance.now();
    const report: Report = {
      startedAt: startedAt.toISOString(),
      finishedAt: '',
      seconds: 0,
      dryRun: options.dryRun,
      replace: options.replace,
      needsReplace: occupied.length > 0,
      target: target.description,
      databases,
      accounts: null,
      conflicts: null,
      events: null,
      checkins: null,
      tablesWithoutEvent: [],
      socialLogs: null,
      unmapped: null,
      lost: [],
      problems: [],
      warnings,
      swapped: false,
      goBack: [],
    };
    if (accountsBefore !== null) {
      const after = await withClient(url('auth_logs_db'), accountsIn);
      report.accounts = { before: accountsBefore, after };
      report.conflicts = await withClient(url('auth_logs_db'), conflictsIn);
      if (after < accountsBefore) {
        report.problems.push(
          `${accountsBefore - after} account(s) of the original are missing after the upgrade`,
        );
      }
    }
    if (usersBefore) await usersNumbers(report, usersBefore, url('users_db'));
    if (has('social_logs_db')) {
      const after = await withClient(url('social_logs_db'), socialRowsIn);
      report.socialLogs = { before: socialBefore, after };
      if ((after ?? 0) < (socialBefore ?? 0)) {
        report.problems.push(
          `${(socialBefore ?? 0) - (after ?? 0)} social log row(s) are missing after the upgrade`,
        );
      }
    }

    log(`checked every row of the original against the result in ${seconds(checking)}`);

    // 5. Swap, unless this is a dry run or something would be lost.
    const finish = async (): Promise<void> => {
      const finishedAt = new Date();
      report.finishedAt = finishedAt.toISOString();
      report.seconds = (finishedAt.getTime() - startedAt.getTime()) / 1000;
      output().stdout(renderReport(report));
      const path = await writeReport(target.reportDir, stamp, report);
      log(`report written to ${path}`);
    };
    if (report.problems.length > 0 || options.dryRun) {
      await finish();
      return report.problems.length > 0 ? 2 : 0;
    }

    const steps: SwapStep[] = originals.map((o) => ({
      original: o,
      staging: staged.get(o) ?? '',
      target: nameOf(o),
      // With REPLACE=1 every old database is kept, so that GO_BACK can put all of them back.
      ...(states[o].exists && (options.replace || states[o].tablesWithRows.length > 0)
        ? { keptAs: `${nameOf(o)}_before_import_${stamp}` }
        : states[o].exists
          ? { dropAfter: `${nameOf(o)}_empty_before_import_${stamp}` }
          : {}),
    }));
    swapping.now = true;
    try {
      if (target.stopServices) await target.stopServices();
      await refuseConnected(target, originals);
      log(`swapping the staging databases in as ${originals.map(nameOf).join(', ')}`);
      await swap(target, steps);
      for (const o of originals) swapped.add(o);
    } finally {
      if (target.startServices) await target.startServices();
      swapping.now = false;
    }
    report.swapped = true;
    for (const step of steps) {
      const db = databases[step.original];
      if (db && step.keptAs) db.keptAs = step.keptAs;
    }
    if (steps.some((s) => s.keptAs)) {
      report.goBack = [
        `GO_BACK=${stamp} make import-original${target.stopServices ? ' COMPOSE=1' : ''}`,
        `(renames the imported databases to <name>_imported_${stamp} and the kept ones back)`,
      ];
    }
    await finish();
    return 0;
  } finally {
    for (const [o, staging] of staged) {
      if (!swapped.has(o))
        await dropDatabase(target.adminUrl(o, 'postgres'), staging).catch(() => undefined);
    }
  }
}

const seconds = (since: number): string => `${((performance.now() - since) / 1000).toFixed(1)} s`;

/** Staging databases of an earlier run that was killed before it could drop them. */
async function dropLeftovers(target: Target, originals: OriginalDatabase[]): Promise<void> {
  for (const o of originals) {
    const name = target.databases[o].name;
    const found = await withClient(target.adminUrl(o, 'postgres'), (admin) =>
      admin.query<{ datname: string }>(
        `SELECT datname FROM pg_database WHERE datname ~ ('^' || $1 || '_import_[0-9]{8}_[0-9]{6}$')`,
        [name],
      ),
    );
    for (const { datname } of found.rows) {
      log(`dropping ${datname}, the staging database of an interrupted import`);
      await dropDatabase(target.adminUrl(o, 'postgres'), datname);
    }
  }
}

async function usersNumbers(report: Report, before: UsersBefore, url: string): Promise<void> {
  const after = await withClient(url, async (client) => {
    const result = await checkUsersAfter(client, before);
    await dropSnapshot(client);
    return result;
  });
  const afterEvents = new Set(after.events);
  const removed = before.events
    .filter((e) => !afterEvents.has(e.event_id))
    .map((e) => ({
      event_id: e.event_id,
      reason: e.fake
        ? `the fake "Daily Attendance Check" row the original's last migration inserted`
        : 'missing after the upgrade',
    }));
  report.events = { before: before.events.length, after: after.events.length, removed };
  const missing = removed.filter((r) => r.reason === 'missing after the upgrade');
  if (missing.length > 0) {
    report.problems.push(
      `${missing.length} event(s) of the original are missing after the upgrade: ${missing.map((m) => m.event_id).join(', ')}`,
    );
  }

  const rowsOf = new Map(before.tables.map((t) => [t.table, t]));
  const perEvent: EventLine[] = before.events.map((e) => {
    const table = rowsOf.get(e.table);
    const others = table?.events.filter((id) => id !== e.event_id) ?? [];
    return {
      event_id: e.event_id,
      event_name: e.event_name,
      table: e.table,
      before: table ? table.rows : null,
      after: after.checkinsPerEvent.get(e.event_id) ?? 0,
      ...(others.length > 0 ? { sharedWith: others } : {}),
      ...(table ? {} : { note: 'its table was never created: no check-ins' }),
    };
  });
  report.checkins = { before: before.checkins, after: after.checkins, perEvent };
  report.tablesWithoutEvent = before.tables
    .filter((t) => t.events.length === 0)
    .map((t) => ({ table: t.table, rows: t.rows }));
  report.unmapped = after.unmapped;
  report.lost = after.lost;
  if (after.lost.length > 0) {
    report.problems.push(
      `${after.lost.length} check-in(s) of the original would be lost: neither in attendance nor listed in legacy.unmapped_rows`,
    );
  }
  if (after.unmapped === null) {
    report.warnings.push(
      'the user database has no legacy.unmapped_rows: rows not moved are not listed',
    );
  } else if (after.unmapped.length > 0) {
    report.warnings.push(
      `${after.unmapped.length} check-in row(s) not moved into attendance; kept in the legacy schema (listed above)`,
    );
  }
  if (after.missingLegacyTables.length > 0) {
    report.warnings.push(
      `not kept in the legacy schema by the upgrade: ${after.missingLegacyTables.join(', ')}`,
    );
  }
}
