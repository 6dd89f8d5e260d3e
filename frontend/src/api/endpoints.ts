import type { ApiClient, Download } from './client.js';
import type { QueryValue } from './http.js';
import type {
  AttendanceStatus,
  AuditPage,
  AuthLogPage,
  ChainReport,
  CurrentQr,
  EventList,
  EventReport,
  GeneratedEvent,
  HistoryPage,
  PasswordChanged,
  Profile,
  QrContent,
  RegisterReply,
  Role,
  ScanReply,
  SessionReply,
  SocialLog,
  SocialLogPage,
  StatusUpdated,
  Today,
  UserPage,
} from './types.js';

const segment = encodeURIComponent;

export interface RegisterInput {
  email: string;
  username?: string;
  name: string;
  surname: string;
  password: string;
}

export interface NewEvent {
  event_name: string;
  date: string;
  starts_at?: string;
  expires_at?: string;
  rotation_seconds?: number;
}

export interface NewSocialLog {
  social: string;
  timestamp: string;
  content: string;
  status: string;
}

export type Filters = Record<string, QueryValue>;

/** Login takes an email, or a username when the identifier has no "@" (AUTH §2). */
export function loginBody(identifier: string, password: string) {
  const id = identifier.trim();
  return id.includes('@') ? { email: id, password } : { username: id, password };
}

/** Every API call the app makes, by the gateway's public paths (decisions §3). */
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
    logout: () => client.json<{ message: string; code: string }>('POST', '/auth/logout'),
    me: () => client.json<Profile>('GET', '/auth/me'),
    changePassword: (current_password: string, new_password: string) =>
      client.json<PasswordChanged>('PUT', '/auth/me/password', {
        body: { current_password, new_password },
      }),
    users: (query: Filters) => client.json<UserPage>('GET', '/admin/users', { query }),
    setRole: (id: number, role: Role) =>
      client.json<{ message: string; user_id: string; new_role: Role }>(
        'PUT',
        `/admin/users/${String(id)}/role`,
        { body: { role } },
      ),
    deleteUser: (id: number) =>
      client.json<{ message: string; user_id: string }>('DELETE', `/admin/users/${String(id)}`),
    authLogs: (query: Filters) => client.json<AuthLogPage>('GET', '/admin/auth-logs', { query }),

    // user-service, through /user
    scan: (qr_content: QrContent) =>
      client.json<ScanReply>('POST', '/user/qr/scan', { body: { qr_content } }),
    history: (page: number, limit: number) =>
      client.json<HistoryPage>('GET', '/user/qr/attendance/history', { query: { page, limit } }),
    today: () => client.json<Today>('GET', '/user/qr/attendance/today'),
    generateEvent: (event: NewEvent) =>
      client.json<GeneratedEvent>('POST', '/user/qr/admin/generate', { body: event }),
    events: () => client.json<EventList>('GET', '/user/qr/admin/events'),
    currentQr: (eventId: string) =>
      client.json<CurrentQr>('GET', `/user/qr/admin/events/${segment(eventId)}/qr`),
    setEventActive: (eventId: string, is_active: boolean) =>
      client.json<{ message: string; is_active: boolean }>(
        'PATCH',
        `/user/qr/admin/events/${segment(eventId)}`,
        { body: { is_active } },
      ),
    deleteEvent: (eventId: string) =>
      client.json<{ message: string; attendance_deleted: number }>(
        'DELETE',
        `/user/qr/admin/events/${segment(eventId)}`,
      ),
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
        { body: { status, motivazione } },
      ),
    exportCsv: (eventId: string): Promise<Download> =>
      client.download(`/user/qr/admin/events/${segment(eventId)}/export.csv`),

    // social-log-service, through /api/social
    postSocialLog: (entry: NewSocialLog) =>
      client.json<SocialLog>('POST', '/api/social/log', { body: entry }),
    socialLogs: (query: Filters) =>
      client.json<SocialLogPage>('GET', '/api/social/logs', { query }),
    audit: (query: Filters) => client.json<AuditPage>('GET', '/api/social/audit', { query }),
    verifyAudit: () => client.json<ChainReport>('GET', '/api/social/audit/verify'),
  };
}

export type Api = ReturnType<typeof createApi>;
