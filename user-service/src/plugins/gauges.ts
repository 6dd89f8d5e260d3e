import fp from 'fastify-plugin';
import { metrics } from '@cloud-backend/shared';
import { countActiveEvents } from '../repositories/events.js';
import { countActiveUsers } from '../repositories/users.js';

const REFRESH_TIMEOUT_MS = 1000;

/**
 * attendance_events_active and active_users_total (docs/compatibility.md#metric-names), read from
 * the database when Prometheus scrapes /metrics, so they are never stale (the original meant a 30 s
 * loop and never published it). A slow or unreachable database leaves the last values in place
 * rather than holding the scrape.
 */
export default fp<{ service: string }>(
  async (app, { service }) => {
    const refresh = async () => {
      const [events, users] = await Promise.all([
        countActiveEvents(app.db),
        countActiveUsers(app.db),
      ]);
      metrics.attendanceEventsActive.set({ service }, events);
      metrics.activeUsers.set({ service }, users);
    };
    app.addHook('onRequest', async (request) => {
      if (request.routeOptions.url !== '/metrics') return;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, REFRESH_TIMEOUT_MS);
      });
      await Promise.race([
        refresh().catch((err: unknown) => request.log.warn({ err }, 'gauge refresh failed')),
        timeout,
      ]);
      clearTimeout(timer);
    });
  },
  { name: 'attendance-gauges' },
);
