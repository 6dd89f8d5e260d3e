import { Type } from 'typebox';
import { DateOnly, NullableDateTime, StatusSchema, bearer, errors } from './common.js';

const tags = ['attendance (admin)'];

/** A status in a report: one of the seven, or `not_checked_in` for an event without a row. */
const ReportStatusSchema = Type.Union([StatusSchema, Type.Literal('not_checked_in')], {
  description:
    'one of the 7 attendance statuses, or not_checked_in when the person has no row for the event',
});

const RangeQuery = {
  from: Type.String({ format: 'date', description: 'first day, YYYY-MM-DD (included)' }),
  to: Type.String({
    format: 'date',
    description: 'last day, YYYY-MM-DD (included); at most 366 days after from, counting both',
  }),
};

const PeopleQuery = Type.Optional(
  Type.Union([Type.Literal('attended'), Type.Literal('all')], {
    description:
      'attended (default): everyone with a check-in or a status on an event of the range; all: also every other account that is not deleted and not an admin',
  }),
);

const Totals = Type.Object(
  {
    events: Type.Integer({ description: 'events in the range' }),
    present: Type.Integer({ description: 'events with status present' }),
    justified: Type.Integer({
      description: 'events with hospital, family, emergency, vacancy or personal',
    }),
    absent: Type.Integer({ description: 'events with not_registered or not_checked_in' }),
    attendance_rate: Type.Union([Type.Number(), Type.Null()], {
      description: 'present ÷ events × 100, unrounded; null when the range has no event',
    }),
  },
  { description: "a person's counts over the range's events" },
);

const ReportEvent = Type.Object({
  event_id: Type.String(),
  event_name: Type.String(),
  date: DateOnly,
});

const Person = Type.Object({
  user_id: Type.Integer(),
  name: Type.String(),
  surname: Type.String(),
  email: Type.Union([Type.String(), Type.Null()], {
    description: 'the email, else the username, else null',
  }),
  deleted: Type.Boolean({ description: 'the account was deleted in auth-service' }),
});

const RANGE_ERRORS =
  'Admin role required. from and to must be dates with from not after to, at most 366 days apart counting both (400 INVALID_DATE_RANGE).';

export const personAttendanceSchema = {
  tags,
  security: bearer,
  summary: "One person's attendance over a date range, with their rate",
  operationId: 'getPersonAttendance',
  description: `Every event whose date falls in the range, with the person's status for it (not_checked_in when they have none), and their totals; only present counts as attended. ${RANGE_ERRORS}`,
  params: Type.Object({ user_id: Type.String({ description: 'a decimal user id' }) }),
  querystring: Type.Object(RangeQuery),
  response: {
    200: Type.Object({
      user: Person,
      from: DateOnly,
      to: DateOnly,
      events: Type.Array(
        Type.Object({
          event_id: Type.String(),
          event_name: Type.String(),
          date: DateOnly,
          status: ReportStatusSchema,
          motivazione: Type.Union([Type.String(), Type.Null()]),
          scanned_at: NullableDateTime,
        }),
      ),
      totals: Totals,
    }),
    ...errors(400, 401, 403, 404),
  },
};

export const registerSchema = {
  tags,
  security: bearer,
  summary: 'The register over a date range: people × events, a page of people at a time',
  operationId: 'getRegister',
  description: `The range's events (by date) and a page of people (by surname, name and id), each with one status per event and their totals. ${RANGE_ERRORS}`,
  querystring: Type.Object({
    ...RangeQuery,
    people: PeopleQuery,
    page: Type.Optional(Type.String({ description: 'page number from 1 (default 1)' })),
    limit: Type.Optional(Type.String({ description: 'people per page, 1 to 100 (default 10)' })),
  }),
  response: {
    200: Type.Object({
      from: DateOnly,
      to: DateOnly,
      events: Type.Array(ReportEvent),
      people: Type.Array(
        Type.Object({
          ...Person.properties,
          statuses: Type.Array(ReportStatusSchema, { description: 'one per event, in order' }),
          totals: Totals,
        }),
      ),
      total: Type.Integer({ description: 'people in the register' }),
      page: Type.Integer(),
      limit: Type.Integer(),
    }),
    ...errors(400, 401, 403),
  },
};

export const registerCsvSchema = {
  tags,
  security: bearer,
  summary: 'The register over a date range as a CSV file',
  operationId: 'exportRegister',
  description: `Every person of the register (people × events) as CSV: UTF-8 with a byte order mark, RFC 4180 quoting, comma-separated or, with delimiter=semicolon, semicolon-separated for spreadsheets in locales such as Italian. ${RANGE_ERRORS}`,
  querystring: Type.Object({
    ...RangeQuery,
    people: PeopleQuery,
    delimiter: Type.Optional(
      Type.Union([Type.Literal('comma'), Type.Literal('semicolon')], {
        description: 'comma (default) or semicolon',
      }),
    ),
  }),
  response: {
    200: {
      description:
        'surname, name, email, user_id, one column per event ("<name> (<date>)") holding its status, then present, justified, absent, events, attendance_rate',
      headers: {
        'Content-Disposition': {
          description: 'attachment; filename="register-<from>-<to>.csv"',
          schema: Type.String(),
        },
      },
      content: { 'text/csv': { schema: Type.String() } },
    },
    ...errors(400, 401, 403),
  },
};
