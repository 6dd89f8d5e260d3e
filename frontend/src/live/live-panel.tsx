import type { LiveAttendance } from './use-live.js';

const STATE_LABELS = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  stopped: 'Live updates stopped',
} as const;

/** The live count and the latest names, under an event's QR code. */
export function LivePanel({ live }: { live: LiveAttendance }) {
  return (
    <section class="live-panel" aria-live="polite">
      <p class="live-count">
        <strong>{live.counts ? String(live.counts.present) : '–'}</strong> checked in
        <span class={`live-state ${live.state}`}> · {STATE_LABELS[live.state]}</span>
      </p>
      {live.recent.length > 0 && (
        <ol class="live-recent">
          {live.recent.map((change) => (
            <li key={change.seq}>
              {change.user.name} {change.user.surname}
              {change.status !== 'present' && <span class="live-status"> ({change.status})</span>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
