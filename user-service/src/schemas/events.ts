import { Type } from 'typebox';
import { DateOnly, DateTime, EventIdParams, StatisticsSchema, bearer, errors } from './common.js';

const tags = ['events (admin)'];

const AllowedNetworks = Type.Union([Type.Array(Type.String()), Type.Null()], {
  description:
    'scans are accepted only from these networks (CIDR, IPv4 or IPv6, e.g. 10.0.0.0/8, 2001:db8::/32; a single address is /32 or /128); null or empty: from anywhere',
});

/** The original's body (docs/compatibility.md#generate), plus the validity window and rotation. */
const GenerateBody = Type.Object(
  {
    event_name: Type.Optional(Type.String({ description: 'required; up to 255 characters' })),
    date: Type.Optional(Type.String({ description: 'required; YYYY-MM-DD' })),
    expires_hours: Type.Optional(
      Type.Integer({ description: 'hours of validity from starts_at, when expires_at is not set' }),
    ),
    starts_at: Type.Optional(
      Type.String({ description: 'RFC 3339; default 00:00 of the day in EVENT_TIMEZONE' }),
    ),
    expires_at: Type.Optional(
      Type.String({ description: 'RFC 3339; default 23:59:59 of the day in EVENT_TIMEZONE' }),
    ),
    rotation_seconds: Type.Optional(
      Type.Union([Type.Integer(), Type.Null()], {
        description: 'rotate the QR every this many seconds (10 to 86400); absent: a static QR',
      }),
    ),
    allowed_networks: Type.Optional(AllowedNetworks),
  },
  { examples: [{ event_name: 'Morning lecture', date: '2026-03-02', rotation_seconds: 30 }] },
);

const QrFields = {
  qr_content: Type.String({
    description: 'the text inside the QR: {"jwt":…,"type":"attendance_qr","version":"1.0"}',
  }),
  qr_image_base64: Type.String({ description: 'data:image/png;base64,… (256×256 PNG)' }),
  check_in_url: Type.String({
    description:
      "the event's check-in URL (PUBLIC_URL/#/c/<token>): a phone's camera opens it in the web app; same validity and rotation as qr_content",
  }),
  check_in_qr_image_base64: Type.String({
    description: 'data:image/png;base64,… (256×256 PNG) of check_in_url',
  }),
};

const EventFields = {
  event_id: Type.String(),
  event_name: Type.String(),
  date: DateOnly,
  starts_at: DateTime,
  expires_at: DateTime,
  rotation_seconds: Type.Union([Type.Integer(), Type.Null()]),
  allowed_networks: Type.Union([Type.Array(Type.String()), Type.Null()], {
    description: 'the networks scans must come from; null: anywhere',
  }),
};

export const generateSchema = {
  tags,
  security: bearer,
  summary: 'Create an event and its QR code',
  operationId: 'generateEvent',
  description:
    'Creates an event for a date and returns its QR content and a PNG of the QR code, which attendees scan to check in. Admin role required.',
  body: GenerateBody,
  response: {
    201: Type.Object({ message: Type.String(), ...EventFields, ...QrFields }),
    ...errors(400, 401, 403, 409),
  },
};

export const currentQrSchema = {
  tags,
  security: bearer,
  summary: "The event's current QR (rotating QRs change every rotation_seconds)",
  operationId: 'getEventQr',
  description:
    'The QR of an event as it is now: for a rotating event a new one every rotation_seconds. Admin role required.',
  params: EventIdParams,
  response: {
    200: Type.Object({
      ...EventFields,
      is_active: Type.Boolean(),
      ...QrFields,
      rotates_at: Type.Union([DateTime, Type.Null()], {
        description: 'when the next QR replaces this one; null for a static QR',
      }),
    }),
    ...errors(401, 403, 404),
  },
};

const ListedEvent = Type.Object({
  ...EventFields,
  created_at: DateTime,
  is_active: Type.Boolean(),
  statistics: StatisticsSchema,
});

export const listEventsSchema = {
  tags,
  security: bearer,
  summary: 'Every event, newest first, with its statistics',
  operationId: 'listEvents',
  description: 'Every event, newest first, with its attendance counts. Admin role required.',
  response: {
    200: Type.Object({ events: Type.Array(ListedEvent), total: Type.Integer() }),
    ...errors(401, 403),
  },
};

export const updateEventSchema = {
  tags,
  security: bearer,
  summary: 'Deactivate or reactivate an event, or change its allowed networks',
  operationId: 'updateEvent',
  description:
    'Turns an event off (its QR no longer checks anyone in) or on again, and/or replaces the networks its scans must come from. Admin role required.',
  params: EventIdParams,
  body: Type.Object(
    {
      is_active: Type.Optional(Type.Boolean()),
      allowed_networks: Type.Optional(AllowedNetworks),
    },
    { examples: [{ is_active: false }, { allowed_networks: ['192.0.2.0/24', '2001:db8::/32'] }] },
  ),
  response: {
    200: Type.Object({ message: Type.String(), ...EventFields, is_active: Type.Boolean() }),
    ...errors(400, 401, 403, 404),
  },
};

export const deleteEventSchema = {
  tags,
  security: bearer,
  summary: 'Delete an event and its attendance',
  operationId: 'deleteEvent',
  description: 'Deletes an event with all its attendance records. Admin role required.',
  params: EventIdParams,
  response: {
    200: Type.Object({
      message: Type.String(),
      event_id: Type.String(),
      event_name: Type.String(),
      deleted_by: Type.Integer(),
      attendance_deleted: Type.Integer(),
    }),
    ...errors(401, 403, 404),
  },
};
