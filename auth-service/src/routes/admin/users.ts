import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { changeRole, parseUserId, removeUser } from '../../domain/admin.js';
import type { AuthDeps } from '../../domain/deps.js';
import { pagesTotal, parsePaging } from '../../domain/paging.js';
import { requestContext } from '../../domain/request-context.js';
import { ERRORS, fail, MESSAGES } from '../../messages.js';
import { countUsers, listUsers } from '../../repositories/user-list.js';
import type { UserRow } from '../../repositories/users.js';
import { responses, Role, Timestamp } from '../../schemas/common.js';

const ListedUser = Type.Object({
  id: Type.Integer(),
  email: Type.String(),
  username: Type.Optional(Type.String({ description: 'left out when empty, as the original' })),
  name: Type.Optional(Type.String()),
  surname: Type.Optional(Type.String()),
  role: Role,
  created_at: Timestamp,
  last_login: Type.Union([Timestamp, Type.Null()]),
});

const UserList = Type.Object({
  users: Type.Array(ListedUser),
  total: Type.Integer({ description: 'accounts matching the filter, all pages' }),
  page: Type.Integer(),
  limit: Type.Integer(),
  pages_total: Type.Integer(),
});

const ListQuery = Type.Object({
  page: Type.Optional(Type.String({ description: 'default 1' })),
  limit: Type.Optional(Type.String({ description: '1 to 500, default 50' })),
  q: Type.Optional(Type.String({ maxLength: 200, pattern: '^[^\\u0000]*$' })),
  role: Type.Optional(Role),
});

const IdParams = Type.Object({ id: Type.String({ description: 'a positive integer' }) });

function listed(user: UserRow) {
  return {
    id: user.id,
    email: user.email ?? '',
    ...(user.username ? { username: user.username } : {}),
    ...(user.name ? { name: user.name } : {}),
    ...(user.surname ? { surname: user.surname } : {}),
    role: user.role,
    created_at: user.created_at.toISOString(),
    last_login: user.last_login?.toISOString() ?? null,
  };
}

export const adminUserRoutes: FastifyPluginAsyncTypebox<AuthDeps> = async (app, deps) => {
  const guard = [app.authenticate, app.requireAdmin];
  const security = [{ bearerAuth: [] }];
  const tags = ['admin'];

  app.get(
    '/admin/users',
    {
      preHandler: guard,
      schema: {
        tags,
        security,
        summary: 'Accounts, newest first; paginated and searchable',
        operationId: 'listAccounts',
        description:
          'Every account, newest first, a page at a time, optionally filtered by a search text and a role. Admin role required.',
        querystring: ListQuery,
        response: responses({ 200: UserList }, [400, 401, 403, 503]),
      },
    },
    async (request) => {
      const { page, limit, offset } = parsePaging(request.query.page, request.query.limit);
      const filter = { q: request.query.q, role: request.query.role };
      const [total, users] = await Promise.all([
        countUsers(deps.pool, filter),
        listUsers(deps.pool, filter, limit, offset),
      ]);
      return {
        users: users.map(listed),
        total,
        page,
        limit,
        pages_total: pagesTotal(total, limit),
      };
    },
  );

  app.put(
    '/admin/users/:id/role',
    {
      preHandler: guard,
      config: { invalidPayload: ERRORS.invalidPayload },
      schema: {
        tags,
        security,
        summary: "Set a user's role; a change signs the user out everywhere",
        operationId: 'setAccountRole',
        description:
          'Sets the role of an account to user or admin. A change revokes every session of that account, so its next request needs a new sign-in. Admin role required.',
        params: IdParams,
        body: Type.Object({ role: Type.String({ maxLength: 100 }) }),
        response: responses(
          {
            200: Type.Object({
              message: Type.String(),
              user_id: Type.String({ description: 'the id exactly as in the path' }),
              new_role: Role,
            }),
          },
          [400, 401, 403, 404, 409, 503],
        ),
      },
    },
    async (request) => {
      const { role } = request.body;
      if (role !== 'user' && role !== 'admin') {
        fail(400, ERRORS.invalidRole);
      }
      const id = parseUserId(request.params.id);
      await changeRole(deps, requestContext(request), request.user, id, role);
      return { message: MESSAGES.roleUpdated, user_id: request.params.id, new_role: role };
    },
  );

  app.delete(
    '/admin/users/:id',
    {
      preHandler: guard,
      schema: {
        tags,
        security,
        summary: 'Delete a user (not yourself, not the last admin); their sessions end',
        operationId: 'deleteAccount',
        description:
          'Deletes an account and ends its sessions. An administrator cannot delete their own account, and the last administrator cannot be deleted. Admin role required.',
        params: IdParams,
        response: responses(
          { 200: Type.Object({ message: Type.String(), user_id: Type.String() }) },
          [400, 401, 403, 404, 409, 503],
        ),
      },
    },
    async (request) => {
      const id = parseUserId(request.params.id);
      await removeUser(deps, requestContext(request), request.user, id);
      return { message: MESSAGES.userDeleted, user_id: request.params.id };
    },
  );
};
