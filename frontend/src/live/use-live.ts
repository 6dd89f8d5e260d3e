import { useEffect, useState } from 'preact/hooks';
import { session } from '../context.js';
import { watchEvent, type LiveChange, type LiveCounts, type LiveState } from './live-stream.js';

/** How many of the latest names the pages show. */
const RECENT = 8;

export interface LiveAttendance {
  counts: LiveCounts | null;
  /** Newest first. */
  recent: LiveChange[];
  state: LiveState;
  /** Bumped at every change, for pages that reload their own data. */
  changes: number;
}

/** An event's live counts and latest check-ins, while the page is shown. */
export function useLiveAttendance(eventId: string): LiveAttendance {
  const [live, setLive] = useState<LiveAttendance>({
    counts: null,
    recent: [],
    state: 'connecting',
    changes: 0,
  });
  useEffect(() => {
    setLive({ counts: null, recent: [], state: 'connecting', changes: 0 });
    return watchEvent(eventId, session, {
      snapshot: (snapshot) => {
        setLive((now) => ({ ...now, counts: snapshot.counts, recent: snapshot.recent }));
      },
      change: (change) => {
        setLive((now) => ({
          ...now,
          counts: change.counts,
          recent: [change, ...now.recent.filter((c) => c.seq !== change.seq)].slice(0, RECENT),
          changes: now.changes + 1,
        }));
      },
      state: (state) => {
        setLive((now) => ({ ...now, state }));
      },
    });
  }, [eventId]);
  return live;
}
