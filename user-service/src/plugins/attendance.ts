import fp from 'fastify-plugin';
import { createPool, type Pool } from '@cloud-backend/shared';
import type { Config } from '../config.js';
import { CheckInTokens } from '../qr/check-in-url.js';
import { QrTokens, deriveQrKey } from '../qr/qr-token.js';
import { LeaderLock } from '../services/leader-lock.js';
import { RECONCILIATION_LOCK_KEY, UserSync } from '../services/user-sync.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Signs and checks QR tokens with their own key. */
    qrTokens: QrTokens;
    /** Signs and checks check-in URL tokens, with the same key (qr/check-in-url.ts). */
    checkInTokens: CheckInTokens;
    /** PUBLIC_URL, the start of check-in URLs; undefined: each request's own origin. */
    publicUrl: string | undefined;
    userSync: UserSync;
    /** The IANA zone event days are counted in (EVENT_TIMEZONE). */
    eventTimeZone: string;
  }
}

/**
 * What the routes share: the QR key, the user sync (with its read-only pool on auth-service's
 * database, when configured) and the events' time zone.
 */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    let authPool: Pool | undefined;
    if (config.AUTH_DATABASE_URL) {
      authPool = createPool(
        { connectionString: config.AUTH_DATABASE_URL, max: 2, applicationName: 'user-service' },
        app.log,
      );
    }
    const leader = new LeaderLock(
      config.DATABASE_URL,
      RECONCILIATION_LOCK_KEY,
      'user reconciliation',
      app.log,
    );
    const userSync = new UserSync(app.db, authPool, app.log, leader);
    const qrKey = deriveQrKey(config.JWT_SECRET, config.QR_SECRET);
    app.decorate('qrTokens', new QrTokens(qrKey));
    app.decorate('checkInTokens', new CheckInTokens(qrKey));
    app.decorate('publicUrl', config.PUBLIC_URL);
    app.decorate('userSync', userSync);
    app.decorate('eventTimeZone', config.EVENT_TIMEZONE);

    app.addHook('onReady', async () => userSync.start(config.USER_SYNC_INTERVAL_SECONDS));
    app.addHook('onClose', async () => {
      await userSync.stop();
      await authPool?.end();
    });
  },
  { name: 'attendance-services' },
);
