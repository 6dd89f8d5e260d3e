import { Type } from 'typebox';
import { EventIdParams, bearer, errors } from './common.js';

export const liveSchema = {
  tags: ['attendance (admin)'],
  security: bearer,
  summary: "An event's check-ins and status changes, live (Server-Sent Events)",
  operationId: 'streamEventAttendance',
  description:
    'A text/event-stream that stays open: an `attendance` message (its `id:` a number that ' +
    'grows within the event) for every check-in and status change of the event, on any ' +
    "replica, with the person, the time, the status and the event's new counts; comment " +
    'lines as heartbeats. A client that reconnects with `Last-Event-ID` (or `last_event_id`) ' +
    'gets what it missed, from the database; without one the stream starts with a `snapshot` ' +
    'message (the counts and the latest changes). Admin role required.',
  params: EventIdParams,
  querystring: Type.Object({
    last_event_id: Type.Optional(
      Type.String({
        pattern: '^[0-9]{1,15}$',
        description: 'the id of the last message received (the Last-Event-ID header wins)',
      }),
    ),
  }),
  headers: Type.Object({
    'last-event-id': Type.Optional(
      Type.String({ description: 'the id of the last message received, to resume from' }),
    ),
  }),
  response: {
    200: {
      description:
        'event: snapshot | attendance, id: <number>, data: JSON; `: heartbeat` comment lines',
      content: { 'text/event-stream': { schema: Type.String() } },
    },
    ...errors(400, 401, 403, 404),
  },
};
