import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { profileSchema } from '../schemas/users.js';

/**
 * GET /profile: the same four string fields and camelCase `userId` as the original, now from the
 * verified access token rather than request headers anyone could send
 * (docs/compatibility.md#fix-profile-identity).
 */
const profileRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/profile', { schema: profileSchema, preHandler: app.authenticate }, async (request) => {
    const claims = request.user;
    return {
      email: claims.email,
      name: claims.name,
      userId: String(claims.user_id),
      role: claims.role,
    };
  });
};

export default profileRoutes;
