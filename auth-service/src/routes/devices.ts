import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AuthDeps } from '../domain/deps.js';
import { endDevice, listDevices } from '../domain/devices.js';
import { requestContext } from '../domain/request-context.js';
import { MESSAGES } from '../messages.js';
import { responses, Timestamp } from '../schemas/common.js';

const DeviceSession = Type.Object({
  id: Type.String({ format: 'uuid' }),
  user_agent: Type.Union([Type.String(), Type.Null()], {
    description: 'the browser or app, as of the last sign-in or refresh',
  }),
  ip_address: Type.Union([Type.String(), Type.Null()], {
    description: 'the client address, as of the last sign-in or refresh',
  }),
  created_at: Timestamp,
  last_used_at: Type.String({ format: 'date-time', description: 'the last sign-in or refresh' }),
  expires_at: Type.String({ format: 'date-time', description: 'when it ends unless refreshed' }),
  current: Type.Boolean({ description: 'the session of the access token that asked' }),
});

/** The signed-in devices of the caller's own account (docs/security.md, "Signed-in devices"). */
export const deviceRoutes: FastifyPluginAsyncTypebox<AuthDeps> = async (app, deps) => {
  const security = [{ bearerAuth: [] }];

  app.get(
    '/sessions',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['sessions'],
        summary: "The account's signed-in devices (live sessions)",
        operationId: 'listMySessions',
        description:
          'Every session of the signed-in account that is neither ended nor expired, the most recently used first; current marks the one of this access token.',
        security,
        response: responses(
          { 200: Type.Object({ sessions: Type.Array(DeviceSession) }) },
          [400, 401, 503],
        ),
      },
    },
    async (request) => ({ sessions: await listDevices(deps, request.user) }),
  );

  app.delete(
    '/sessions/:id',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['sessions'],
        summary: 'End one of your sessions; the gateway refuses its tokens within seconds',
        operationId: 'endMySession',
        description:
          "Ends a session of the signed-in account (this one too, like a logout). Another account's session, an unknown or an ended one is 404 SESSION_NOT_FOUND.",
        security,
        params: Type.Object({ id: Type.String({ maxLength: 64, description: 'a session id' }) }),
        response: responses(
          { 200: Type.Object({ message: Type.String(), code: Type.String() }) },
          [400, 401, 404, 503],
        ),
      },
    },
    async (request) => {
      await endDevice(deps, requestContext(request), request.user, request.params.id);
      return MESSAGES.sessionEnded;
    },
  );
};
