import { Type } from 'typebox';
import { DateTime, NullableDateTime, PageQuery, bearer, errors } from './common.js';

const tags = ['users'];

export const UserSchema = Type.Object({
  id: Type.Integer(),
  email: Type.Optional(Type.String({ description: 'omitted when the account has none' })),
  username: Type.Optional(Type.String({ description: 'omitted when unknown' })),
  name: Type.String(),
  last_name: Type.String(),
  status: Type.String(),
  role: Type.String(),
  created_at: DateTime,
  updated_at: DateTime,
  deleted_at: NullableDateTime,
});

/** POST and PUT body (docs/compatibility.md#users); types are checked, emptiness by the handler. */
const ProfileBody = Type.Object({
  name: Type.Optional(Type.String()),
  last_name: Type.Optional(Type.String()),
  status: Type.Optional(Type.String()),
});

const IdParams = Type.Object({
  id: Type.String({ description: 'a decimal user id (as the original: "+5" and "007" work)' }),
});

const Message = Type.Object({ message: Type.String() });

export const listUsersSchema = {
  tags,
  security: bearer,
  summary: 'A page of local users, by name (admin)',
  operationId: 'listUsers',
  description: 'The local user profiles, ordered by name, a page at a time. Admin role required.',
  querystring: PageQuery,
  response: {
    200: Type.Object({
      users: Type.Array(UserSchema),
      total: Type.Integer(),
      page: Type.Integer(),
      limit: Type.Integer(),
    }),
    ...errors(401, 403),
  },
};

export const getUserSchema = {
  tags,
  security: bearer,
  summary: 'One local user (admin)',
  operationId: 'getUser',
  description: 'One local user profile by its numeric id. Admin role required.',
  params: IdParams,
  response: { 200: UserSchema, ...errors(400, 401, 403, 404) },
};

export const createUserSchema = {
  tags,
  security: bearer,
  summary: 'Create a local profile (admin)',
  operationId: 'createUser',
  description:
    'Creates a local user profile with a name, a last name and a status. Admin role required.',
  body: ProfileBody,
  response: {
    201: Type.Object({ message: Type.String(), user_id: Type.Integer() }),
    ...errors(400, 401, 403),
  },
};

export const updateUserSchema = {
  tags,
  security: bearer,
  summary: 'Update a local profile (admin)',
  operationId: 'updateUser',
  description:
    'Replaces the name and last name (both required) and the status of a local user profile. Admin role required.',
  params: IdParams,
  body: ProfileBody,
  response: { 200: Message, ...errors(400, 401, 403, 404) },
};

export const deleteUserSchema = {
  tags,
  security: bearer,
  summary: 'Delete a local user without attendance records (admin)',
  operationId: 'deleteUser',
  description:
    'Deletes a local user profile; a user with attendance records cannot be deleted (409). Admin role required.',
  params: IdParams,
  response: { 200: Message, ...errors(400, 401, 403, 404, 409) },
};

export const profileSchema = {
  tags: ['profile'],
  security: bearer,
  summary: "The caller's identity, from the verified access token",
  operationId: 'getProfile',
  description:
    'The e-mail, name, user id and role of the caller, read from the verified access token.',
  response: {
    200: Type.Object({
      email: Type.String(),
      name: Type.String(),
      userId: Type.String({ description: 'camelCase, as the original' }),
      role: Type.String(),
    }),
    ...errors(401),
  },
};
