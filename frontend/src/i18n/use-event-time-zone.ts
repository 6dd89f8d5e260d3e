import { useEffect, useState } from 'preact/hooks';
import { api } from '../context.js';
import { eventTimeZone, setEventTimeZone } from './format.js';

/**
 * Learns the events' time zone (the deployment's EVENT_TIMEZONE) once signed in, from the
 * `time_zone` of `GET /user/qr/attendance/today`, and re-renders the app with it. Until then,
 * or if the call fails, event times are shown in the reader's zone.
 */
export function useEventTimeZone(signedIn: boolean): string | undefined {
  const [zone, setZone] = useState(eventTimeZone);
  useEffect(() => {
    if (!signedIn || zone !== undefined) return;
    let stopped = false;
    api.today().then(
      (today) => {
        if (!stopped && setEventTimeZone(today.time_zone)) setZone(today.time_zone);
      },
      () => undefined,
    );
    return () => {
      stopped = true;
    };
  }, [signedIn, zone]);
  return zone;
}
