/**
 * The shapes the API answers with, as the services declare them (auth-service/src/schemas,
 * user-service/src/schemas, social-log-service/src/schemas). Only what the app reads.
 */

export type Role = 'user' | 'admin';

export interface PublicUser {
  id: number;
  email: string;
  username: string;
  name: string;
  surname: string;
  role: Role;
}

/** POST /auth/login and POST /auth/refresh. */
export interface SessionReply {
  token: string;
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  refresh_expires_in: number;
  user: PublicUser;
}

export interface RegisterReply {
  message: string;
  code: 'REGISTER_SUCCESS';
  user: Omit<PublicUser, 'role'> & { created_at: string };
}

export interface Profile extends PublicUser {
  created_at: string;
  last_login: string | null;
}

export interface PasswordChanged {
  message: string;
  code: string;
  sessions_revoked: number;
}

export interface ListedUser {
  id: number;
  email: string;
  username?: string;
  name?: string;
  surname?: string;
  role: Role;
  created_at: string;
  last_login: string | null;
}

export interface UserPage {
  users: ListedUser[];
  total: number;
  page: number;
  limit: number;
  pages_total: number;
}

export const AUTH_ACTIONS = [
  'login_success',
  'login_failed_wrong_password',
  'login_failed_user_not_found',
  'login_blocked_locked',
  'account_locked',
  'register',
  'logout',
  'password_change',
  'role_change',
  'user_deleted',
  'refresh_token_reuse',
] as const;

export interface AuthLog {
  id: number;
  user_email: string;
  username?: string;
  action: string;
  timestamp: string;
  ip_address?: string;
  user_agent?: string;
  success: boolean;
}

export interface AuthLogPage {
  logs: AuthLog[];
  total: number;
  page: number;
  limit: number;
  stats: {
    total_logs: number;
    current_page: number;
    pages_total: number;
    successes: number;
    failures: number;
    unique_users: number;
  };
}

/** The 7 attendance statuses of user-service (USER §5.7), in the original's order. */
export const ATTENDANCE_STATUSES = [
  'present',
  'not_registered',
  'hospital',
  'family',
  'emergency',
  'vacancy',
  'personal',
] as const;
export type AttendanceStatus = (typeof ATTENDANCE_STATUSES)[number];

export interface Statistics {
  total_users: number;
  present_count: number;
  absent_count: number;
  scanned_count: number;
  attendance_rate: number;
  status_breakdown: Record<string, number>;
}

export interface EventFields {
  event_id: string;
  event_name: string;
  date: string;
  starts_at: string;
  expires_at: string;
  rotation_seconds: number | null;
}

export interface GeneratedEvent extends EventFields {
  message: string;
  qr_content: string;
  qr_image_base64: string;
}

export interface CurrentQr extends EventFields {
  is_active: boolean;
  qr_content: string;
  qr_image_base64: string;
  rotates_at: string | null;
}

export interface ListedEvent extends EventFields {
  created_at: string;
  is_active: boolean;
  statistics: Statistics;
}

export interface EventList {
  events: ListedEvent[];
  total: number;
}

export interface AttendanceUser {
  user_id: number;
  name: string;
  surname: string;
  status: AttendanceStatus;
  motivazione: string | null;
  scanned_at: string | null;
  updated_at: string | null;
  updated_by: number | null;
}

export interface EventReport {
  event_id: string;
  event_name: string;
  event_date: string;
  users: AttendanceUser[];
  qr_scanners: number;
  total_users: number;
  statistics: Statistics;
  system_type: string;
}

export interface StatusUpdated {
  message: string;
  event_id: string;
  user: AttendanceUser;
}

/** The body of POST /user/qr/scan: the QR's JSON text, as an object. */
export interface QrContent {
  jwt: string;
  type?: string;
  version?: string;
}

export interface ScanReply {
  success: true;
  message: string;
  event_id: string;
  event_name: string;
  status: 'present';
  timestamp: string;
  validation: string;
  table_name: string;
}

export interface HistoryItem {
  id: number;
  event_id: string;
  event_name: string;
  date: string;
  timestamp: string;
  status: AttendanceStatus;
  motivazione?: string;
}

export interface HistoryPage {
  attendances: HistoryItem[];
  total: number;
  page: number;
  limit: number;
}

export interface Today {
  has_attendance: boolean;
  date: string;
  attendance?: {
    id: number;
    event_id: string;
    status: AttendanceStatus;
    timestamp: string;
    event_name: string;
    motivazione?: string;
  };
}

export interface SocialLog {
  id: number;
  user_id: number;
  social: string;
  timestamp: string;
  content: string;
  status: string;
  created_at: string;
}

export interface SocialLogPage {
  logs: SocialLog[];
  total: number;
  page: number;
  limit: number;
}

export interface AuditEvent {
  id: number;
  event_id: string;
  occurred_at: string;
  service: string;
  action: string;
  user_id: number | null;
  actor_id: number | null;
  success: boolean;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  details: Record<string, unknown>;
  received_at: string;
  prev_hash: string;
  hash: string;
}

export interface AuditPage {
  events: AuditEvent[];
  total: number;
  page: number;
  limit: number;
}

export interface ChainReport {
  intact: boolean;
  checked: number;
  first_broken_id: number | null;
  last_hash: string | null;
}
