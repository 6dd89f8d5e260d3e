import { Type } from 'typebox';
import {
  DateOnly,
  DateTime,
  EventIdParams,
  NullableDateTime,
  PageQuery,
  StatisticsSchema,
  StatusSchema,
  bearer,
  errors,
} from './common.js';

const adminTags = ['attendance (admin)'];

const AttendanceUser = Type.Object({
  user_id: Type.Integer(),
  name: Type.String(),
  surname: Type.String(),
  status: StatusSchema,
  motivazione: Type.Union([Type.String(), Type.Null()]),
  scanned_at: NullableDateTime,
  updated_at: NullableDateTime,
  updated_by: Type.Union([Type.Integer(), Type.Null()]),
});

export const eventUsersSchema = {
  tags: adminTags,
  security: bearer,
  summary: "An event's check-ins and admin-set statuses, with statistics",
  operationId: 'listEventAttendance',
  description:
    "Everyone who checked in to an event or was given a status by an administrator, with the event's counts. Admin role required.",
  params: EventIdParams,
  response: {
    200: Type.Object({
      event_id: Type.String(),
      event_name: Type.String(),
      event_date: DateOnly,
      users: Type.Array(AttendanceUser),
      qr_scanners: Type.Integer({ description: 'users who scanned' }),
      total_users: Type.Integer({ description: 'users listed' }),
      statistics: StatisticsSchema,
      system_type: Type.Literal('selective_qr_only'),
    }),
    ...errors(401, 403, 404),
  },
};

export const exportCsvSchema = {
  tags: adminTags,
  security: bearer,
  summary: "An event's report as CSV",
  operationId: 'exportEventAttendance',
  description:
    'The attendance of one event as a CSV file (one row per user), for spreadsheets. Admin role required.',
  params: EventIdParams,
  response: {
    200: {
      description: 'user_id,name,surname,status,motivazione,scanned_at,updated_at,updated_by',
      content: { 'text/csv': { schema: Type.String() } },
    },
    ...errors(401, 403, 404),
  },
};

export const setStatusSchema = {
  tags: adminTags,
  security: bearer,
  summary: "Set a user's status for an event (absences with their motivazione)",
  operationId: 'setAttendanceStatus',
  description:
    'Sets the status of one user for one event (present, absent with a reason, and so on), overriding or completing the check-in. Admin role required.',
  params: Type.Object({
    event_id: EventIdParams.properties.event_id,
    user_id: Type.String({ description: 'a decimal user id' }),
  }),
  body: Type.Object({
    status: Type.String({ description: 'one of the 7 attendance statuses' }),
    motivazione: Type.Optional(
      Type.Union([Type.String({ maxLength: 2000 }), Type.Null()], {
        description: 'the reason, free text',
      }),
    ),
  }),
  response: {
    200: Type.Object({
      message: Type.String(),
      event_id: Type.String(),
      user: AttendanceUser,
    }),
    ...errors(400, 401, 403, 404),
  },
};

export const scanSchema = {
  tags: ['check-in'],
  security: bearer,
  summary: 'Check in with the content of an event QR',
  operationId: 'scanQr',
  description:
    'Checks the caller in to the event whose QR content (or check-in URL token) is sent. The QR must be valid for today and, for rotating QRs, current; a second scan of the same event is a 409; an event restricted to some networks refuses other addresses with 403 NETWORK_NOT_ALLOWED.',
  body: Type.Object(
    {
      qr_content: Type.Optional(
        Type.Object(
          {
            jwt: Type.Optional(Type.String()),
            type: Type.Optional(Type.String()),
            version: Type.Optional(Type.String()),
          },
          { description: 'the decoded QR text, as an object' },
        ),
      ),
      check_in_token: Type.Optional(
        Type.String({
          maxLength: 2048,
          description:
            "the token of an event's check-in URL (…/#/c/<token>), or the whole URL; used instead of qr_content when present",
        }),
      ),
      motivazione: Type.Optional(Type.String({ description: 'accepted and ignored' })),
    },
    {
      examples: [
        {
          qr_content: {
            jwt: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJldmVudF9pZCI6ImV2dF8xIn0.c2lnbmF0dXJl',
            type: 'attendance_qr',
            version: '1.0',
          },
        },
        { check_in_token: 'AQAAACrQ9j8V4Tz5lqvmP2M' },
      ],
    },
  ),
  response: {
    201: Type.Object({
      success: Type.Literal(true),
      message: Type.String(),
      event_id: Type.String(),
      event_name: Type.String(),
      status: Type.Literal('present'),
      timestamp: DateTime,
      validation: Type.Literal('automatic'),
      table_name: Type.String({ description: 'informational; kept for compatibility' }),
    }),
    ...errors(400, 401, 403, 404, 409),
  },
};

const HistoryItem = Type.Object({
  id: Type.Integer(),
  event_id: Type.String(),
  event_name: Type.String(),
  date: DateOnly,
  timestamp: DateTime,
  status: StatusSchema,
  motivazione: Type.Optional(Type.String({ description: 'only when set' })),
});

export const historySchema = {
  tags: ['check-in'],
  security: bearer,
  summary: "The caller's attendance across events, newest first",
  operationId: 'getAttendanceHistory',
  description: "Every check-in of the caller, newest first, with the event's name and date.",
  querystring: PageQuery,
  response: {
    200: Type.Object({
      attendances: Type.Array(HistoryItem),
      total: Type.Integer(),
      page: Type.Integer(),
      limit: Type.Integer(),
    }),
    ...errors(401),
  },
};

export const todaySchema = {
  tags: ['check-in'],
  security: bearer,
  summary: "Whether the caller has attendance on an event of today's date",
  operationId: 'getTodayAttendance',
  description:
    "Whether the caller has checked in to an event dated today (in the service's time zone), and to which.",
  response: {
    200: Type.Object({
      has_attendance: Type.Boolean(),
      date: DateOnly,
      time_zone: Type.String({
        description:
          "The IANA time zone of event days and check-in windows (EVENT_TIMEZONE), in which `date` is today; the web app shows event times in it. Not in the original's answer.",
        examples: ['Europe/Rome'],
      }),
      attendance: Type.Optional(
        Type.Object({
          id: Type.Integer(),
          event_id: Type.String(),
          status: StatusSchema,
          timestamp: DateTime,
          event_name: Type.String(),
          motivazione: Type.Optional(Type.String()),
        }),
      ),
    }),
    ...errors(401),
  },
};
