import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import eventAttendanceRoutes from './admin/event-attendance.js';
import eventRoutes from './admin/events.js';
import reportRoutes from './admin/reports.js';
import liveRoutes from '../../live/route.js';
import myAttendanceRoutes from './my-attendance.js';
import scanRoutes from './scan.js';

/** Everything under /qr: check-in for any user, /qr/admin for admins only. */
const qrRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(scanRoutes);
  await app.register(myAttendanceRoutes, { prefix: '/attendance' });
  await app.register(
    async (admin) => {
      admin.addHook('preHandler', admin.authenticate);
      admin.addHook('preHandler', admin.requireAdmin);
      await admin.register(eventRoutes);
      await admin.register(eventAttendanceRoutes);
      await admin.register(reportRoutes);
      await admin.register(liveRoutes, { heartbeatMs: admin.live.heartbeatMs });
    },
    { prefix: '/admin' },
  );
};

export default qrRoutes;
