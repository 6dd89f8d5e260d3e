import type { FastifyBaseLogger } from 'fastify';
import type { LegacyReport } from './report.js';

/**
 * Tells the operator, at every start until the legacy schema is dropped, what the switch-over
 * from the original kept aside: one INFO line for the copy, one WARN line for rows that could
 * not be mapped to an event (kept in the legacy schema, not in the API), one WARN line for
 * views of theirs that had to go.
 */
export function logLegacyReport(log: FastifyBaseLogger, report: LegacyReport): void {
  if (report.tables.length > 0) {
    const moved = report.tables.reduce((sum, table) => sum + table.moved, 0);
    log.info(
      { legacyTables: report.tables.length, moved },
      `the original's ${report.tables.length} attendance table(s) are kept read-only in schema ` +
        `legacy (${moved} row(s) copied into attendance); once checked, ` +
        '`npm run drop-legacy -w user-service` removes them (docs/switch-over.md)',
    );
  }
  const unmapped = report.unmapped.reduce((sum, entry) => sum + entry.rows, 0);
  if (unmapped > 0) {
    const where = report.unmapped
      .map((entry) => `${entry.table_name}: ${entry.rows} ${entry.reason}`)
      .join(', ');
    log.warn(
      { unmapped: report.unmapped },
      `${unmapped} row(s) of the original's attendance tables are not in any event's report ` +
        `and stay only in schema legacy (${where}); see legacy.unmapped_rows and ` +
        'docs/switch-over.md',
    );
  }
  if (report.droppedViews.length > 0) {
    log.warn(
      { views: report.droppedViews },
      `the upgrade dropped view(s) that read the original's tables: ${report.droppedViews.join(', ')}; ` +
        'their definitions are in legacy.dropped_views',
    );
  }
}
