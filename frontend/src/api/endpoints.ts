import type { ApiClient, Download } from './client.js';
import type {
  AttendanceRegister,
  AttendanceRegisterCsvQuery,
  AttendanceRegisterQuery,
  AccountSessionsEnded,
  AttendanceStatus,
  DeviceList,
  LoginMfaBody,
  LogoutBody,
  MfaStatus,
  SessionEnded,
  TotpConfirmBody,
  TotpDisabled,
  TotpEnabled,
  TotpEnrolment,
  TotpStartBody,
  AuditPage,
  AuditQuery,
  AuthLogPage,
  AuthLogQuery,
  ChainReport,
  CurrentQr,
  EventDeleted,
  EventList,
  EventReport,
  EventPatch,
  EventUpdated,
  GeneratedEvent,
  HistoryPage,
  HistoryQuery,
  LoggedOut,
  LoginBody,
  NewEventBody,
  NewSocialLog,
  PasswordBody,
  PersonReport,
  PasswordChanged,
  Profile,
  QrContent,
  RegisterBody,
  RegisterReply,
  Role,
  RoleBody,
  RoleChanged,
  ScanBody,
  ScanReply,
  SessionReply,
  SocialLog,
  SocialLogPage,
  SocialLogQuery,
  StatusBody,
  StatusUpdated,
  Today,
  UserDeleted,
  UserPage,
  UserQuery,
} from './types.js';

const segment = encodeURIComponent;

/** A registration as the form sends it: the username is the only optional field. */
export type RegisterInput = Required<Omit<RegisterBody, 'username'>> &
  Pick<RegisterBody, 'username'>;

/** A new event: its name and day, the rest optional. */
export type NewEvent = Required<Pick<NewEventBody, 'event_name' | 'date'>> &
  Pick<NewEventBody, 'starts_at' | 'expires_at' | 'rotation_seconds' | 'allowed_networks'>;

/** Login takes an email, or a username when the identifier has no "@". */
export function loginBody(identifier: string, password: string): LoginBody {
  const id = identifier.trim();
  return id.includes('@') ? { email: id, password } : { username: id, password };
}

/**
 * Every API call the app makes, by the gateway's public paths (the gateway forwards /auth and
 * /admin to auth-service, /user to user-service without the prefix, /api/social to
 * social-log-service).
 */
export function createApi(client: ApiClient) {
  return {
    // auth-service, through /auth (public, the service checks the token) and /admin (admin)
    register: (input: RegisterInput) =>
      client.json<RegisterReply>('POST', '/auth/register', { body: input, auth: false }),
    login: (identifier: string, password: string) =>
      client.json<SessionReply>('POST', '/auth/login', {
        body: loginBody(identifier, password),
        auth: false,
      }),
    logout: () => client.json<LoggedOut>('POST', '/auth/logout'),
    /** The second sign-in step, after 401 MFA_REQUIRED (sign-in.ts). */
    loginMfa: (mfa_token: string, code: string) =>
      client.json<SessionReply>('POST', '/auth/login/mfa', {
        body: { mfa_token, code: code.trim() } satisfies LoginMfaBody,
        auth: false,
      }),
    sessions: () => client.json<DeviceList>('GET', '/auth/sessions'),
    endSession: (id: string) =>
      client.json<SessionEnded>('DELETE', `/auth/sessions/${segment(id)}`),
    logoutOthers: () =>
      client.json<LoggedOut>('POST', '/auth/logout', {
        body: { scope: 'others' } satisfies LogoutBody,
      }),
    mfaStatus: () => client.json<MfaStatus>('GET', '/auth/mfa'),
    /**
     * Authenticator set-up: with the session's token, or (an admin who must enrol before
     * signing in) with the enrolment token instead, sent without any access token.
     */
    startTotp: (enrolment_token?: string) =>
      enrolment_token === undefined
        ? client.json<TotpEnrolment>('POST', '/auth/mfa/totp', { body: {} })
        : client.json<TotpEnrolment>('POST', '/auth/mfa/totp', {
            body: { enrolment_token } satisfies TotpStartBody,
            auth: false,
          }),
    confirmTotp: (code: string, enrolment_token?: string) =>
      client.json<TotpEnabled>('POST', '/auth/mfa/totp/confirm', {
        body: (enrolment_token === undefined
          ? { code: code.trim() }
          : { code: code.trim(), enrolment_token }) satisfies TotpConfirmBody,
        auth: enrolment_token === undefined,
      }),
    disableTotp: (code: string) =>
      client.json<TotpDisabled>('POST', '/auth/mfa/totp/disable', { body: { code: code.trim() } }),
    me: () => client.json<Profile>('GET', '/auth/me'),
    changePassword: (current_password: string, new_password: string) =>
      client.json<PasswordChanged>('PUT', '/auth/me/password', {
        body: { current_password, new_password } satisfies PasswordBody,
      }),
    users: (query: UserQuery) => client.json<UserPage>('GET', '/admin/users', { query }),
    setRole: (id: number, role: Role) =>
      client.json<RoleChanged>('PUT', `/admin/users/${String(id)}/role`, {
        body: { role } satisfies RoleBody,
      }),
    deleteUser: (id: number) => client.json<UserDeleted>('DELETE', `/admin/users/${String(id)}`),
    endAccountSessions: (id: number) =>
      client.json<AccountSessionsEnded>('DELETE', `/admin/users/${String(id)}/sessions`),
    authLogs: (query: AuthLogQuery) =>
      client.json<AuthLogPage>('GET', '/admin/auth-logs', { query }),

    // user-service, through /user
    scan: (qr_content: QrContent) =>
      client.json<ScanReply>('POST', '/user/qr/scan', { body: { qr_content } satisfies ScanBody }),
    /** Check-in with an event's check-in URL, or its token (README.md, "Check-in URL"). */
    scanCheckIn: (check_in_token: string) =>
      client.json<ScanReply>('POST', '/user/qr/scan', {
        body: { check_in_token } satisfies ScanBody,
      }),
    history: (query: HistoryQuery) =>
      client.json<HistoryPage>('GET', '/user/qr/attendance/history', { query }),
    today: () => client.json<Today>('GET', '/user/qr/attendance/today'),
    generateEvent: (event: NewEvent) =>
      client.json<GeneratedEvent>('POST', '/user/qr/admin/generate', { body: event }),
    events: () => client.json<EventList>('GET', '/user/qr/admin/events'),
    currentQr: (eventId: string) =>
      client.json<CurrentQr>('GET', `/user/qr/admin/events/${segment(eventId)}/qr`),
    setEventActive: (eventId: string, is_active: boolean) =>
      client.json<EventUpdated>('PATCH', `/user/qr/admin/events/${segment(eventId)}`, {
        body: { is_active } satisfies EventPatch,
      }),
    setAllowedNetworks: (eventId: string, allowed_networks: string[] | null) =>
      client.json<EventUpdated>('PATCH', `/user/qr/admin/events/${segment(eventId)}`, {
        body: { allowed_networks } satisfies EventPatch,
      }),
    deleteEvent: (eventId: string) =>
      client.json<EventDeleted>('DELETE', `/user/qr/admin/events/${segment(eventId)}`),
    eventReport: (eventId: string) =>
      client.json<EventReport>('GET', `/user/qr/admin/events/${segment(eventId)}/users`),
    setStatus: (
      eventId: string,
      userId: number,
      status: AttendanceStatus,
      motivazione: string | null,
    ) =>
      client.json<StatusUpdated>(
        'PATCH',
        `/user/qr/admin/events/${segment(eventId)}/users/${String(userId)}/status`,
        { body: { status, motivazione } satisfies StatusBody },
      ),
    exportCsv: (eventId: string): Promise<Download> =>
      client.download(`/user/qr/admin/events/${segment(eventId)}/export.csv`),
    personAttendance: (userId: number, from: string, to: string) =>
      client.json<PersonReport>('GET', `/user/qr/admin/users/${String(userId)}/attendance`, {
        query: { from, to },
      }),
    attendanceRegister: (query: AttendanceRegisterQuery) =>
      client.json<AttendanceRegister>('GET', '/user/qr/admin/register', { query }),
    attendanceRegisterCsv: (query: AttendanceRegisterCsvQuery): Promise<Download> =>
      client.download('/user/qr/admin/register.csv', { query }),

    // social-log-service, through /api/social
    postSocialLog: (entry: NewSocialLog) =>
      client.json<SocialLog>('POST', '/api/social/log', { body: entry }),
    socialLogs: (query: SocialLogQuery) =>
      client.json<SocialLogPage>('GET', '/api/social/logs', { query }),
    audit: (query: AuditQuery) => client.json<AuditPage>('GET', '/api/social/audit', { query }),
    verifyAudit: () => client.json<ChainReport>('GET', '/api/social/audit/verify'),
  };
}

export type Api = ReturnType<typeof createApi>;
