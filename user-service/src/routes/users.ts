import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { withTransaction, enqueueAuditEvent } from '@cloud-backend/shared';
import { parsePage } from '../domain/pagination.js';
import { MESSAGES, fail, hasControlCharacters } from '../messages.js';
import { auditOrigin } from '../plugins/audit.js';
import * as users from '../repositories/users.js';
import {
  createUserSchema,
  deleteUserSchema,
  getUserSchema,
  listUsersSchema,
  updateUserSchema,
} from '../schemas/users.js';
import { parseUserId } from './user-id.js';

const SERVICE = 'user-service';
const invalidPayload = MESSAGES.invalidPayload;

function userJson(row: users.UserRow) {
  return {
    id: row.id,
    ...(row.email ? { email: row.email } : {}),
    ...(row.username ? { username: row.username } : {}),
    name: row.name,
    last_name: row.last_name,
    status: row.status,
    role: row.role,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    deleted_at: row.deleted_at ? row.deleted_at.toISOString() : null,
  };
}

/** name and last_name required, as in the original; status defaults to active. */
function profileFields(body: { name?: string; last_name?: string; status?: string }) {
  const name = body.name ?? '';
  const lastName = body.last_name ?? '';
  if (name.trim() === '' || lastName.trim() === '') fail(400, 'nameRequired');
  const status = body.status === undefined || body.status.trim() === '' ? 'active' : body.status;
  for (const [text, max] of [
    [name, 255],
    [lastName, 255],
    [status, 50],
  ] as const) {
    if (text.length > max || hasControlCharacters(text)) fail(400, 'invalidText');
  }
  return { name, last_name: lastName, status };
}

/**
 * The original's /users CRUD (docs/compatibility.md#users), admin-only (#fix-users-admin-only) and
 * working on the real columns (#fix-users-crud): 404 when
 * nothing matched, 409 rather than 500 when the user still has attendance.
 */
const userRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.authenticate);
  app.addHook('preHandler', app.requireAdmin);

  app.get('/', { schema: listUsersSchema }, async (request) => {
    const page = parsePage(request.query);
    const { rows, total } = await users.listUsers(app.db, page);
    return { users: rows.map(userJson), total, page: page.page, limit: page.limit };
  });

  app.get('/:id', { schema: getUserSchema }, async (request) => {
    const user = await users.findUser(app.db, parseUserId(request.params.id, 'invalidId'));
    if (!user) fail(404, 'userNotFound');
    return userJson(user);
  });

  app.post(
    '/',
    { schema: createUserSchema, config: { invalidPayload } },
    async (request, reply) => {
      const fields = profileFields(request.body);
      const id = await withTransaction(app.db, async (client) => {
        const created = await users.createUser(client, fields);
        await enqueueAuditEvent(client, SERVICE, {
          action: 'user.created',
          user_id: created,
          actor_id: request.user.user_id,
          success: true,
          ...auditOrigin(request),
          details: { name: fields.name, last_name: fields.last_name },
        });
        return created;
      });
      return reply.code(201).send({ message: 'Utente creato con successo', user_id: id });
    },
  );

  app.put('/:id', { schema: updateUserSchema, config: { invalidPayload } }, async (request) => {
    const id = parseUserId(request.params.id, 'invalidUserId');
    const fields = profileFields(request.body);
    await withTransaction(app.db, async (client) => {
      if (!(await users.updateUser(client, id, fields))) fail(404, 'userNotFound');
      await enqueueAuditEvent(client, SERVICE, {
        action: 'user.updated',
        user_id: id,
        actor_id: request.user.user_id,
        success: true,
        ...auditOrigin(request),
        details: { name: fields.name, last_name: fields.last_name, status: fields.status },
      });
    });
    return { message: 'Utente aggiornato con successo' };
  });

  app.delete('/:id', { schema: deleteUserSchema }, async (request) => {
    const id = parseUserId(request.params.id, 'invalidUserId');
    await withTransaction(app.db, async (client) => {
      const outcome = await users.deleteUser(client, id);
      if (outcome === 'not_found') fail(404, 'userNotFound');
      if (outcome === 'in_use') fail(409, 'userInUse');
      await enqueueAuditEvent(client, SERVICE, {
        action: 'user.deleted',
        user_id: id,
        actor_id: request.user.user_id,
        success: true,
        ...auditOrigin(request),
        details: {},
      });
    });
    return { message: 'Utente cancellato con successo' };
  });
};

export default userRoutes;
