import { fastifySSE } from '@fastify/sse';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { HttpError } from '@cloud-backend/shared';
import { fail } from '../messages.js';
import { findEvent } from '../repositories/events.js';
import { liveSchema } from '../schemas/live.js';
import { changeJson, type LiveChange } from './hub.js';
import { lastSeq, latestChanges, liveCounts } from './changes.js';

/** How many of the latest changes the first message of a fresh stream names. */
const RECENT = 10;
/** Messages a stream may have waiting for a client that does not read; beyond, it is closed. */
const MAX_PENDING = 2000;

const INVALID_LAST_EVENT_ID = new HttpError(
  400,
  'INVALID_LAST_EVENT_ID',
  'Last-Event-ID must be the decimal id of a message of this stream',
);

const LISTENER_UNAVAILABLE = new HttpError(
  503,
  'DATABASE_UNAVAILABLE',
  'Live updates are unavailable: the database cannot be reached',
);

/** The id to resume after, from the header (what EventSource sends) or the query string. */
function resumeFrom(header: string | undefined, query: string | undefined): bigint | undefined {
  const value = header ?? query;
  if (value === undefined || value === '') return undefined;
  if (!/^[0-9]{1,15}$/.test(value)) throw INVALID_LAST_EVENT_ID;
  return BigInt(value);
}

/**
 * GET /qr/admin/events/:event_id/live (user-service/README.md, live check-ins): a Server-Sent
 * Events stream of the event's check-ins and status changes, fed by the replica's hub
 * (live/hub.ts), whichever replica wrote them. Unknown events and malformed ids are answered
 * with the JSON error before the stream starts.
 */
const liveRoutes: FastifyPluginAsyncTypebox<{ heartbeatMs: number }> = async (
  app,
  { heartbeatMs },
) => {
  await app.register(fastifySSE, { heartbeatInterval: heartbeatMs });

  app.get(
    '/events/:event_id/live',
    // 'manual': no Accept negotiation (a 406 would not be this API's error model).
    { schema: liveSchema, sse: 'manual' },
    async (request, reply) => {
      const requested = resumeFrom(request.headers['last-event-id'], request.query.last_event_id);
      const event = await findEvent(app.db, request.params.event_id);
      if (!event) fail(404, 'eventNotFound');
      // Listening before the first read: nothing committed in between can be missed.
      await app.live.listening().catch((err: unknown) => {
        request.log.warn({ err }, 'live attendance listener cannot connect');
        throw LISTENER_UNAVAILABLE;
      });
      const eventId = event.event_id;
      const last = await lastSeq(app.db, eventId);
      // Without an id, or with one this event never gave (it was deleted and created again),
      // the stream starts from now with what the page needs to show.
      const fresh = requested === undefined || requested > last;
      const snapshot = fresh
        ? {
            event_id: eventId,
            event_name: event.event_name,
            last_seq: Number(last),
            counts: await liveCounts(app.db, eventId),
            recent: await latestChanges(app.db, eventId, RECENT),
          }
        : undefined;

      const stream = reply.sse;
      stream.keepAlive();
      // Proxies and browsers get the headers now, not with the first check-in.
      stream.sendHeaders();
      let pending = 0;
      let chain = Promise.resolve();
      const write = (message: { id: string; event: string; data: unknown }) => {
        pending += 1;
        if (pending > MAX_PENDING) {
          // A client that stopped reading: it reconnects with its Last-Event-ID.
          stream.close();
          return;
        }
        chain = chain
          .then(async () => {
            if (stream.isConnected) await stream.send(message);
          })
          .catch((err: unknown) => request.log.debug({ err }, 'live stream write failed'))
          .finally(() => {
            pending -= 1;
          });
      };

      if (snapshot) {
        const counts = snapshot.counts;
        write({
          id: String(last),
          event: 'snapshot',
          data: {
            ...snapshot,
            recent: snapshot.recent.map((row) => changeJson(eventId, row, counts)),
          },
        });
      }
      const unsubscribe = app.live.subscribe(eventId, {
        cursor: fresh ? last : requested,
        deliver: (changes: LiveChange[]) => {
          for (const change of changes) {
            write({ id: String(change.seq), event: 'attendance', data: change });
          }
        },
        close: () => stream.close(),
      });
      stream.onClose(unsubscribe);
    },
  );
};

export default liveRoutes;
