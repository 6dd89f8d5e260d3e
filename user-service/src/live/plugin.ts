import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { LiveHub } from './hub.js';
import { LiveListener } from './listener.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The open live streams of this replica and what feeds them (live/hub.ts). */
    live: LiveHub;
  }
}

/**
 * Live check-ins: the hub every stream subscribes to and the replica's listening connection
 * that feeds it, opened by the first stream. The streams end when the app closes, before it
 * waits for requests in flight.
 */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    const listener: LiveListener = new LiveListener(
      config.DATABASE_URL,
      app.log,
      ({ eventId, seq }) => hub.notify(eventId, seq),
      () => hub.catchUp(),
    );
    const hub = new LiveHub(app.db, app.log, config.LIVE_HEARTBEAT_MS, () => listener.ensure());
    app.decorate('live', hub);
    app.addHook('preClose', async () => {
      hub.closeAll();
      await listener.stop();
    });
  },
  { name: 'live-attendance' },
);
