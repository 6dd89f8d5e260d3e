import type { LiveAttendance } from './use-live.js';
import { t } from '../i18n/i18n.js';
import { statusLabel } from '../components/labels.js';

/** The stream's states, each with its words in the catalogues' `live` table. */
const STATE_KEYS = {
  connecting: 'live.connecting',
  live: 'live.live',
  reconnecting: 'live.reconnecting',
  stopped: 'live.stopped',
} as const;

/** The live count and the latest names, under an event's QR code. */
export function LivePanel({ live }: { live: LiveAttendance }) {
  return (
    <section class="live-panel" aria-live="polite">
      <p class="live-count">
        <strong>{live.counts ? String(live.counts.present) : '–'}</strong> {t('live.checkedIn')}
        <span class={`live-state ${live.state}`}> · {t(STATE_KEYS[live.state])}</span>
      </p>
      {live.recent.length > 0 && (
        <ol class="live-recent">
          {live.recent.map((change) => (
            <li key={change.seq}>
              {change.user.name} {change.user.surname}
              {change.status !== 'present' && (
                <span class="live-status"> ({statusLabel(change.status)})</span>
              )}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
