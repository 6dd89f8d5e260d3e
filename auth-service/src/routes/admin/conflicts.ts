import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AuthDeps } from '../../domain/deps.js';
import {
  findConflictUsers,
  listConflicts,
  type ConflictUserRow,
} from '../../repositories/account-conflicts.js';
import { responses, Role, Timestamp } from '../../schemas/common.js';

const ConflictUser = Type.Object({
  id: Type.Integer(),
  email: Type.String({ description: 'bare and lower-case; "" for a username-only account' }),
  original_email: Type.Optional(
    Type.String({ description: 'as the original stored it, when that differs; logs in too' }),
  ),
  username: Type.String(),
  name: Type.String(),
  surname: Type.String(),
  role: Role,
  created_at: Timestamp,
  last_login: Type.Union([Timestamp, Type.Null()]),
});

const Conflict = Type.Object({
  kind: Type.Union(
    [Type.Literal('email'), Type.Literal('username'), Type.Literal('username_is_email')],
    {
      description:
        "email / username: shared but for case; username_is_email: one account's username " +
        "is another's e-mail",
    },
  ),
  key: Type.String({ description: 'the shared value, lower-case' }),
  user_ids: Type.Array(Type.Integer()),
  users: Type.Array(ConflictUser),
});

const ConflictList = Type.Object({
  conflicts: Type.Array(Conflict),
  total: Type.Integer({ description: 'groups' }),
  accounts: Type.Integer({ description: 'distinct accounts in at least one group' }),
});

function described(user: ConflictUserRow) {
  return {
    id: user.id,
    email: user.email ?? '',
    ...(user.original_email === null ? {} : { original_email: user.original_email }),
    username: user.username,
    name: user.name,
    surname: user.surname,
    role: user.role,
    created_at: user.created_at.toISOString(),
    last_login: user.last_login?.toISOString() ?? null,
  };
}

/**
 * GET /admin/users/conflicts: the accounts the original let collide, which the upgrade kept
 * (each still logs in with what it used before; see docs/switch-over.md). A group leaves the
 * list once it no longer collides.
 */
export const conflictRoutes: FastifyPluginAsyncTypebox<AuthDeps> = async (app, deps) => {
  app.get(
    '/admin/users/conflicts',
    {
      preHandler: [app.authenticate, app.requireAdmin],
      schema: {
        tags: ['admin'],
        security: [{ bearerAuth: [] }],
        summary: 'Accounts sharing an e-mail or username but for case, kept from the original',
        operationId: 'listAccountConflicts',
        description:
          'Accounts whose e-mail or username differ only by letter case, which the original allowed; they are kept and listed here so an administrator can resolve them. Admin role required.',
        response: responses({ 200: ConflictList }, [400, 401, 403, 503]),
      },
    },
    async () => {
      const groups = await listConflicts(deps.pool);
      const ids = [...new Set(groups.flatMap((group) => group.user_ids))];
      const users = new Map(
        (await findConflictUsers(deps.pool, ids)).map((user) => [user.id, described(user)]),
      );
      return {
        conflicts: groups.map((group) => ({
          kind: group.kind,
          key: group.key,
          user_ids: group.user_ids,
          users: group.user_ids.flatMap((id) => users.get(id) ?? []),
        })),
        total: groups.length,
        accounts: ids.length,
      };
    },
  );
};
