/**
 * The shapes the API answers with, taken from the public OpenAPI document (the gateway's
 * /openapi.json): ./generated/public-api.ts holds what openapi-typescript makes of it (`npm run
 * api:types -w frontend` writes it; frontend/test/api-types.test.ts fails while it is out of
 * date). Nothing here restates a field: a change to a service's response schema changes these
 * types, and the app's typecheck then names every place that has to follow.
 *
 * Paths below are the gateway's public ones, as in endpoints.ts.
 */
import type { paths as Api } from './generated/public-api.js';
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

// auth-service, under /auth
type Login = Api['/auth/login']['post'];
type Register = Api['/auth/register']['post'];
type AdminUsers = Api['/auth/admin/users']['get'];
type AuthLogs = Api['/auth/admin/auth-logs']['get'];

export type SessionReply = Reply<Login['responses'][200]>;
export type PublicUser = SessionReply['user'];
export type Role = PublicUser['role'];
export type LoginBody = RequestBody<Login>;
export type RegisterBody = RequestBody<Register>;
export type RegisterReply = Reply<Register['responses'][201]>;
export type LoggedOut = Reply<Api['/auth/logout']['post']['responses'][200]>;
export type Profile = Reply<Api['/auth/me']['get']['responses'][200]>;
export type PasswordBody = RequestBody<Api['/auth/me/password']['put']>;
export type PasswordChanged = Reply<Api['/auth/me/password']['put']['responses'][200]>;
export type UserQuery = Query<AdminUsers>;
export type UserPage = Reply<AdminUsers['responses'][200]>;
export type ListedUser = UserPage['users'][number];
export type RoleBody = RequestBody<Api['/auth/admin/users/{id}/role']['put']>;
export type RoleChanged = Reply<Api['/auth/admin/users/{id}/role']['put']['responses'][200]>;
export type UserDeleted = Reply<Api['/auth/admin/users/{id}']['delete']['responses'][200]>;
export type AuthLogQuery = Query<AuthLogs>;
export type AuthLogPage = Reply<AuthLogs['responses'][200]>;
export type AuthLog = AuthLogPage['logs'][number];
export type DeviceList = Reply<Api['/auth/sessions']['get']['responses'][200]>;
export type DeviceSession = DeviceList['sessions'][number];
export type SessionEnded = Reply<Api['/auth/sessions/{id}']['delete']['responses'][200]>;
export type LogoutBody = RequestBody<Api['/auth/logout']['post']>;
export type LoginMfaBody = RequestBody<Api['/auth/login/mfa']['post']>;
export type MfaStatus = Reply<Api['/auth/mfa']['get']['responses'][200]>;
export type TotpEnrolment = Reply<Api['/auth/mfa/totp']['post']['responses'][200]>;
export type TotpStartBody = RequestBody<Api['/auth/mfa/totp']['post']>;
export type TotpConfirmBody = RequestBody<Api['/auth/mfa/totp/confirm']['post']>;
export type TotpEnabled = Reply<Api['/auth/mfa/totp/confirm']['post']['responses'][200]>;
export type TotpDisabled = Reply<Api['/auth/mfa/totp/disable']['post']['responses'][200]>;
export type AccountSessionsEnded = Reply<
  Api['/auth/admin/users/{id}/sessions']['delete']['responses'][200]
>;
/** The actions auth-service records (the `action` filter it accepts). */
export type AuthAction = NonNullable<NonNullable<AuthLogs['parameters']['query']>['action']>;

// user-service, under /user
type Scan = Api['/user/qr/scan']['post'];
type History = Api['/user/qr/attendance/history']['get'];
type Generate = Api['/user/qr/admin/generate']['post'];
type EventPath = Api['/user/qr/admin/events/{event_id}'];
type SetStatus = Api['/user/qr/admin/events/{event_id}/users/{user_id}/status']['patch'];

export type ScanBody = RequestBody<Scan>;
export type ScanReply = Reply<Scan['responses'][201]>;
/** The body of POST /user/qr/scan: the QR's JSON text as an object, its token required. */
export type QrContent = NonNullable<RequestBody<Scan>['qr_content']> & { jwt: string };
export type HistoryQuery = Query<History>;
export type HistoryPage = Reply<History['responses'][200]>;
export type HistoryItem = HistoryPage['attendances'][number];
export type Today = Reply<Api['/user/qr/attendance/today']['get']['responses'][200]>;
export type NewEventBody = RequestBody<Generate>;
export type GeneratedEvent = Reply<Generate['responses'][201]>;
export type EventList = Reply<Api['/user/qr/admin/events']['get']['responses'][200]>;
export type ListedEvent = EventList['events'][number];
export type CurrentQr = Reply<Api['/user/qr/admin/events/{event_id}/qr']['get']['responses'][200]>;
export type EventPatch = RequestBody<EventPath['patch']>;
export type EventUpdated = Reply<EventPath['patch']['responses'][200]>;
export type EventDeleted = Reply<EventPath['delete']['responses'][200]>;
export type EventReport = Reply<
  Api['/user/qr/admin/events/{event_id}/users']['get']['responses'][200]
>;
export type AttendanceUser = EventReport['users'][number];
/** The 7 attendance statuses, as the service's schema lists them. */
export type AttendanceStatus = AttendanceUser['status'];
export type StatusBody = RequestBody<SetStatus>;
export type StatusUpdated = Reply<SetStatus['responses'][200]>;

// user-service, reports across events
type PersonAttendance = Api['/user/qr/admin/users/{user_id}/attendance']['get'];
type RegisterOp = Api['/user/qr/admin/register']['get'];

export type PersonReport = Reply<PersonAttendance['responses'][200]>;
export type PersonReportEvent = PersonReport['events'][number];
/** A status in a report: one of the 7, or not_checked_in for an event without a row. */
export type ReportStatus = PersonReportEvent['status'];
export type ReportTotals = PersonReport['totals'];
export type AttendanceRegisterQuery = Query<RegisterOp>;
export type AttendanceRegister = Reply<RegisterOp['responses'][200]>;
export type AttendanceRegisterPerson = AttendanceRegister['people'][number];
export type ReportEvent = AttendanceRegister['events'][number];
type RegisterCsvOp = Api['/user/qr/admin/register.csv']['get'];
export type AttendanceRegisterCsvQuery = Query<RegisterCsvOp>;
/** Who a register lists: `attended` (default) or `all`. */
export type RegisterPeople = NonNullable<NonNullable<RegisterOp['parameters']['query']>['people']>;
/** The CSV's separator: `comma` (default) or `semicolon`. */
export type CsvDelimiter = NonNullable<
  NonNullable<RegisterCsvOp['parameters']['query']>['delimiter']
>;

// social-log-service
type SocialLogs = Api['/api/social/logs']['get'];
type Audit = Api['/api/social/audit']['get'];

/** An entry as the app sends it: every field given (the service says which one is missing). */
export type NewSocialLog = Filled<RequestBody<Api['/api/social/log']['post']>>;
export type SocialLog = Reply<Api['/api/social/log']['post']['responses'][201]>;
export type SocialLogQuery = Query<SocialLogs>;
export type SocialLogPage = Reply<SocialLogs['responses'][200]>;
export type AuditQuery = Query<Audit>;
export type AuditPage = Reply<Audit['responses'][200]>;
export type AuditEvent = AuditPage['events'][number];
export type ChainReport = Reply<Api['/api/social/audit/verify']['get']['responses'][200]>;
