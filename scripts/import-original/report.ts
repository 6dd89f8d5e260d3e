/** The import's report: printed, and written as JSON beside the data. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Conflict, LostRow, UnmappedRow } from './checks.js';
import type { OriginalDatabase } from './names.js';
import type { SkippedStatement } from './restore.js';

export interface DatabaseReport {
  source: string;
  staging: string;
  target: string;
  statements: number;
  copiedRows: number;
  ownerStatementsReplaced: number;
  skippedStatements: SkippedStatement[];
  migrationsApplied: string[];
  targetBefore: { exists: boolean; tablesWithRows: string[] };
  keptAs?: string;
}

export interface EventLine {
  event_id: string;
  event_name: string;
  table: string;
  /** Rows of the event's table before (shared with other events when `sharedWith` is set). */
  before: number | null;
  after: number;
  sharedWith?: string[];
  note?: string;
}

export interface Report {
  startedAt: string;
  finishedAt: string;
  seconds: number;
  dryRun: boolean;
  replace: boolean;
  /** The port's databases hold data: a real run needs REPLACE=1. */
  needsReplace: boolean;
  target: string;
  databases: Partial<Record<OriginalDatabase, DatabaseReport>>;
  accounts: { before: number; after: number } | null;
  conflicts: Conflict[] | null;
  events: { before: number; after: number; removed: { event_id: string; reason: string }[] } | null;
  checkins: { before: number; after: number; perEvent: EventLine[] } | null;
  tablesWithoutEvent: { table: string; rows: number }[];
  socialLogs: { before: number | null; after: number | null } | null;
  unmapped: UnmappedRow[] | null;
  lost: LostRow[];
  /** What stops the swap: lost check-ins, accounts or events. */
  problems: string[];
  warnings: string[];
  swapped: boolean;
  goBack: string[];
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) =>
    `    ${r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd(),
  );
}

export function renderReport(report: Report): string {
  const out: string[] = [];
  out.push(
    '',
    `Import of the original's data ${report.dryRun ? '(DRY RUN: nothing changed)' : ''}`.trimEnd(),
  );
  out.push(`  target: ${report.target}`);
  for (const [original, db] of Object.entries(report.databases)) {
    out.push(
      `  ${original}: ${db.source}`,
      `    restored into ${db.staging}: ${plural(db.statements, 'statement')}, ${plural(db.copiedRows, 'row')}; migrations applied: ${db.migrationsApplied.length ? db.migrationsApplied.join(', ') : 'none'}`,
    );
    for (const skipped of db.skippedStatements) {
      out.push(`    skipped (line ${skipped.line}): ${skipped.statement}: ${skipped.reason}`);
    }
  }
  out.push('');
  if (report.accounts) {
    out.push(`  accounts: ${report.accounts.before} before, ${report.accounts.after} after`);
  }
  if (report.conflicts === null) {
    out.push('  account conflicts: not listed (the auth database has no account_conflicts view)');
  } else if (report.conflicts.length === 0) {
    out.push('  account conflicts: none');
  } else {
    out.push(`  account conflicts (${report.conflicts.length}; all accounts kept and can log in):`);
    for (const c of report.conflicts)
      out.push(`    ${c.kind} "${c.key}": users ${c.user_ids.join(', ')}`);
  }
  if (report.events) {
    out.push(`  events: ${report.events.before} before, ${report.events.after} after`);
    for (const r of report.events.removed) out.push(`    removed ${r.event_id}: ${r.reason}`);
  }
  if (report.checkins) {
    const kept = report.unmapped?.length ?? 0;
    out.push(
      `  check-ins: ${report.checkins.before} before, ${report.checkins.after} after${kept ? ` (${kept} not moved, kept in the legacy schema)` : ''}`,
    );
    const rows = [['event', 'table', 'before', 'after', '']];
    for (const e of report.checkins.perEvent) {
      rows.push([
        e.event_id,
        e.table,
        e.before === null ? '-' : String(e.before),
        String(e.after),
        e.note ?? (e.sharedWith ? `table shared with ${e.sharedWith.join(', ')}` : ''),
      ]);
    }
    if (rows.length > 1) out.push(...table(rows));
  }
  for (const t of report.tablesWithoutEvent) {
    out.push(`  table ${t.table}: no event of the original maps to it (${plural(t.rows, 'row')})`);
  }
  if (report.socialLogs) {
    const show = (n: number | null) => (n === null ? 'no table' : String(n));
    out.push(
      `  social logs: ${show(report.socialLogs.before)} before, ${show(report.socialLogs.after)} after`,
    );
  }
  if (report.unmapped === null) {
    out.push('  rows not moved: not listed (the user database has no legacy.unmapped_rows)');
  } else if (report.unmapped.length > 0) {
    out.push(`  rows not moved, kept in the legacy schema (${report.unmapped.length}):`);
    for (const u of report.unmapped) {
      out.push(
        `    ${u.table_name} row ${u.row_id ?? '?'} (user ${u.user_id ?? 'none'}, ${u.status ?? 'no status'}, ${u.scanned_at ?? 'not scanned'}): ${u.reason}`,
      );
    }
  }
  if (report.lost.length > 0) {
    out.push(`  CHECK-INS THAT WOULD BE LOST (${report.lost.length}):`);
    for (const l of report.lost.slice(0, 50)) {
      out.push(
        `    ${l.table_name} row ${l.row_id ?? '?'}: user ${l.user_id ?? 'none'}, ${l.status ?? 'no status'}, ${l.scanned_at ?? 'not scanned'}`,
      );
    }
    if (report.lost.length > 50)
      out.push(`    … and ${report.lost.length - 50} more (see the JSON report)`);
  }
  for (const w of report.warnings) out.push(`  warning: ${w}`);
  for (const p of report.problems) out.push(`  PROBLEM: ${p}`);
  out.push('');
  if (report.problems.length > 0) {
    out.push('  Not imported: the problems above must be solved first. The port is as it was.');
  } else if (report.dryRun) {
    out.push(
      `  Dry run: a real run${report.needsReplace && !report.replace ? ' with REPLACE=1' : ''} would import this. The port is as it was.`,
    );
  } else if (report.swapped) {
    out.push(`  Imported in ${report.seconds.toFixed(1)} s.`);
    if (report.goBack.length > 0) {
      out.push('  To go back to the databases the port had before:');
      for (const line of report.goBack) out.push(`    ${line}`);
    }
  }
  return `${out.join('\n')}\n`;
}

export async function writeReport(dir: string, stamp: string, report: Report): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `import-report-${stamp}.json`);
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`, { mode: 0o600 });
  return path;
}
