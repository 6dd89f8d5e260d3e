/**
 * GO_BACK=<time>: puts back the databases a REPLACE=1 import kept aside at <time>. The imported
 * ones are not dropped but renamed to <name>_imported_<time>, so going back loses nothing
 * either.
 */
import { ImportError } from './errors.js';
import { log } from './log.js';
import { ORIGINAL_DATABASES } from './names.js';
import { withClient } from './staging.js';
import { refuseConnected, swap, type SwapStep } from './swap.js';
import type { Target } from './target.js';

export async function goBack(target: Target, stamp: string): Promise<void> {
  if (!/^\d{8}_\d{6}$/.test(stamp)) {
    throw new ImportError(`GO_BACK=${stamp}: expected the time of an import, e.g. 20250623_020000`);
  }
  const steps: SwapStep[] = [];
  for (const original of ORIGINAL_DATABASES) {
    const name = target.databases[original].name;
    const kept = `${name}_before_import_${stamp}`;
    const found = await withClient(target.adminUrl(original, 'postgres'), (admin) =>
      admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = ANY($1)', [
        [kept, name],
      ]),
    );
    const names = new Set(found.rows.map((row) => row.datname));
    if (!names.has(kept)) continue;
    steps.push({
      original,
      staging: kept,
      target: name,
      ...(names.has(name) ? { keptAs: `${name}_imported_${stamp}` } : {}),
    });
  }
  if (steps.length === 0) {
    throw new ImportError(
      `no database was kept by an import at ${stamp} (no *_before_import_${stamp})`,
    );
  }
  if (target.stopServices) await target.stopServices();
  try {
    await refuseConnected(
      target,
      steps.map((s) => s.original),
    );
    await swap(target, steps);
  } finally {
    if (target.startServices) await target.startServices();
  }
  for (const step of steps) {
    log(
      `${step.target} is back as it was before the import${step.keptAs ? `; the imported one is now ${step.keptAs}` : ''}`,
    );
  }
}
