import { HttpError, isDatabaseUnavailable, parseTimeRange } from '@cloud-backend/shared';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyBodyParser } from 'fastify';
import { insertSocialLog, listSocialLogs, type SocialLog } from '../repositories/social-logs.js';
import { bearerAuth, errorReplies } from '../schemas/common.js';
import {
  NewSocialLogBody,
  SocialLogReply,
  SocialLogsQuery,
  SocialLogsReply,
} from '../schemas/social-logs.js';
import { INVALID_BODY, parseSocialLogEntry } from '../validation/social-log-entry.js';

// The original read JSON from application/json and from vendor types folded onto it
// (application/vnd.example+json). Anything else is "Invalid body".
const VENDOR_JSON = /^application\/[\w!#$%&'*+.^`|~-]+\+json(?:\s*;|$)/i;

/**
 * POST /api/social/log, the original's route with its fixes (docs/compatibility.md#social-log-post,
 * #fix-social-log), and GET /api/social/logs, which the port adds (#social-logs-get).
 */
export const socialLogRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // Scoped to this plugin: every way a body can fail to parse, prototype poisoning included,
  // becomes the original's "Invalid body".
  const parseJson = app.getDefaultJsonParser('error', 'error');
  const parseBody: FastifyBodyParser<string> = (request, body, done) => {
    // Callback style; the returned value is only ever undefined.
    void parseJson(request, body, (err, value) => {
      if (err) done(new HttpError(400, INVALID_BODY.code, INVALID_BODY.error), undefined);
      else done(null, value);
    });
  };
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parseBody);
  app.addContentTypeParser(VENDOR_JSON, { parseAs: 'string' }, parseBody);

  app.post(
    '/api/social/log',
    {
      onRequest: [app.authenticate],
      config: { invalidPayload: INVALID_BODY },
      schema: {
        tags: ['social'],
        summary: 'Record a social event',
        operationId: 'recordSocialEvent',
        description:
          'Stores an entry for the caller (user_id comes from the access token). 400 "Invalid ' +
          'body" for a body that is not a JSON object of strings or a timestamp that is not RFC ' +
          '3339; 400 "Missing fields" for an absent, null or empty field.',
        security: bearerAuth,
        body: NewSocialLogBody,
        response: { 201: SocialLogReply, ...errorReplies(400, 401, 413, 500, 503) },
      },
    },
    async (request, reply) => {
      // No body at all (and no content type) reaches here as undefined.
      if (typeof request.body !== 'object') {
        throw new HttpError(400, INVALID_BODY.code, INVALID_BODY.error);
      }
      const entry = parseSocialLogEntry(request.body);
      let log: SocialLog;
      try {
        log = await insertSocialLog(app.db, { ...entry, userId: request.user.user_id });
      } catch (err) {
        if (isDatabaseUnavailable(err)) throw err; // the shared 503
        request.log.error({ err }, 'social log insert failed');
        throw new HttpError(500, 'DB_ERROR', 'DB error');
      }
      return reply.code(201).send(log);
    },
  );

  app.get(
    '/api/social/logs',
    {
      onRequest: [app.authenticate],
      schema: {
        tags: ['social'],
        summary: 'List social events',
        operationId: 'listSocialEvents',
        description:
          "The caller's own entries, newest first. Admins see everyone's and may filter by " +
          "user_id; anyone else asking for another user's entries gets 403.",
        security: bearerAuth,
        querystring: SocialLogsQuery,
        response: { 200: SocialLogsReply, ...errorReplies(400, 401, 403, 500, 503) },
      },
    },
    async (request) => {
      const { user_id: userId, social, status, page, limit } = request.query;
      const caller = request.user;
      const isAdmin = caller.role === 'admin';
      if (!isAdmin && userId !== undefined && userId !== caller.user_id) {
        throw new HttpError(403, 'ADMIN_REQUIRED', "Admin role required to read other users' logs");
      }
      const filter = {
        userId: isAdmin ? userId : caller.user_id,
        social,
        status,
        ...parseTimeRange(request.query),
      };
      const result = await listSocialLogs(app.db, filter, { page, limit });
      return { ...result, page, limit };
    },
  );
};
