/**
 * The shapes the API answers with, taken from the services' own OpenAPI documents: ./generated
 * holds what openapi-typescript makes of each service's route schemas (`npm run api:types -w
 * frontend` writes it; frontend/test/api-types.test.ts fails while it is out of date). Nothing
 * here restates a field: a change to a service's response schema changes these types, and the
 * app's typecheck then names every place that has to follow.
 *
 * Paths below are the services' own; the gateway's public paths are in endpoints.ts.
 */
import type { paths as AuthService } from './generated/auth-service.js';
import type { paths as SocialLogService } from './generated/social-log-service.js';
import type { paths as UserService } from './generated/user-service.js';
import type { QueryValue } from './http.js';

/** The JSON body of one response of an operation, e.g. `Reply<Op['responses'][200]>`. */
type Reply<Response> = Response extends { content: { 'application/json': infer Body } }
  ? Body
  : never;

/** The JSON body an operation takes. */
type RequestBody<Operation> = Operation extends {
  requestBody?: { content: { 'application/json': infer Body } };
}
  ? Body
  : never;

/**
 * The query parameters an operation declares, each as the app passes it: by name, so that a
 * renamed or removed parameter is a type error; values as typed into the filter forms.
 */
type Query<Operation> = Operation extends { parameters: { query?: infer Q } }
  ? { [Name in keyof NonNullable<Q>]?: QueryValue }
  : never;

/** What every field of a body is when the app sends it: present and not null. */
type Filled<Body> = { [Field in keyof Body]-?: NonNullable<Body[Field]> };

// auth-service
type Login = AuthService['/login']['post'];
type Register = AuthService['/register']['post'];
type AdminUsers = AuthService['/admin/users']['get'];
type AuthLogs = AuthService['/admin/auth-logs']['get'];

export type SessionReply = Reply<Login['responses'][200]>;
export type PublicUser = SessionReply['user'];
export type Role = PublicUser['role'];
export type LoginBody = RequestBody<Login>;
export type RegisterBody = RequestBody<Register>;
export type RegisterReply = Reply<Register['responses'][201]>;
export type LoggedOut = Reply<AuthService['/logout']['post']['responses'][200]>;
export type Profile = Reply<AuthService['/me']['get']['responses'][200]>;
export type PasswordBody = RequestBody<AuthService['/me/password']['put']>;
export type PasswordChanged = Reply<AuthService['/me/password']['put']['responses'][200]>;
export type UserQuery = Query<AdminUsers>;
export type UserPage = Reply<AdminUsers['responses'][200]>;
export type ListedUser = UserPage['users'][number];
export type RoleBody = RequestBody<AuthService['/admin/users/{id}/role']['put']>;
export type RoleChanged = Reply<AuthService['/admin/users/{id}/role']['put']['responses'][200]>;
export type UserDeleted = Reply<AuthService['/admin/users/{id}']['delete']['responses'][200]>;
export type AuthLogQuery = Query<AuthLogs>;
export type AuthLogPage = Reply<AuthLogs['responses'][200]>;
export type AuthLog = AuthLogPage['logs'][number];
/** The actions auth-service records (the `action` filter it accepts). */
export type AuthAction = NonNullable<NonNullable<AuthLogs['parameters']['query']>['action']>;

// user-service
type Scan = UserService['/qr/scan']['post'];
type History = UserService['/qr/attendance/history']['get'];
type Generate = UserService['/qr/admin/generate']['post'];
type EventPath = UserService['/qr/admin/events/{event_id}'];
type SetStatus = UserService['/qr/admin/events/{event_id}/users/{user_id}/status']['patch'];

export type ScanBody = RequestBody<Scan>;
export type ScanReply = Reply<Scan['responses'][201]>;
/** The body of POST /user/qr/scan: the QR's JSON text as an object, its token required. */
export type QrContent = NonNullable<RequestBody<Scan>['qr_content']> & { jwt: string };
export type HistoryQuery = Query<History>;
export type HistoryPage = Reply<History['responses'][200]>;
export type HistoryItem = HistoryPage['attendances'][number];
export type Today = Reply<UserService['/qr/attendance/today']['get']['responses'][200]>;
export type NewEventBody = RequestBody<Generate>;
export type GeneratedEvent = Reply<Generate['responses'][201]>;
export type EventList = Reply<UserService['/qr/admin/events']['get']['responses'][200]>;
export type ListedEvent = EventList['events'][number];
export type CurrentQr = Reply<
  UserService['/qr/admin/events/{event_id}/qr']['get']['responses'][200]
>;
export type EventPatch = RequestBody<EventPath['patch']>;
export type EventUpdated = Reply<EventPath['patch']['responses'][200]>;
export type EventDeleted = Reply<EventPath['delete']['responses'][200]>;
export type EventReport = Reply<
  UserService['/qr/admin/events/{event_id}/users']['get']['responses'][200]
>;
export type AttendanceUser = EventReport['users'][number];
/** The 7 attendance statuses, as the service's schema lists them. */
export type AttendanceStatus = AttendanceUser['status'];
export type StatusBody = RequestBody<SetStatus>;
export type StatusUpdated = Reply<SetStatus['responses'][200]>;

// social-log-service
type SocialLogs = SocialLogService['/api/social/logs']['get'];
type Audit = SocialLogService['/api/social/audit']['get'];

/** An entry as the app sends it: every field given (the service says which one is missing). */
export type NewSocialLog = Filled<RequestBody<SocialLogService['/api/social/log']['post']>>;
export type SocialLog = Reply<SocialLogService['/api/social/log']['post']['responses'][201]>;
export type SocialLogQuery = Query<SocialLogs>;
export type SocialLogPage = Reply<SocialLogs['responses'][200]>;
export type AuditQuery = Query<Audit>;
export type AuditPage = Reply<Audit['responses'][200]>;
export type AuditEvent = AuditPage['events'][number];
export type ChainReport = Reply<
  SocialLogService['/api/social/audit/verify']['get']['responses'][200]
>;
