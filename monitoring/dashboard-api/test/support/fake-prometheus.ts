import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the fake answers one PromQL query. */
export type Answer =
  | { vector: [Record<string, string>, string][] }
  | { scalar: string }
  | { status: number; body: string }
  | 'hang';

export interface ReceivedQuery {
  query: string;
  time: string | null;
  path: string;
  authorization: string | undefined;
}

/**
 * A stand-in for Prometheus's `GET /api/v1/query` that serves recorded answers in the API's
 * JSON format, so tests can pin how each answer becomes a dashboard field. A query without a
 * recorded answer gets `otherwise`, by default an empty vector (a metric with no series).
 */
export interface FakePrometheus {
  url: string;
  received: ReceivedQuery[];
  /** The most queries that were waiting for their answer at one time. */
  readonly peakOpen: number;
  /** Records (or replaces) the answer to a query, matched by its exact text. */
  answer(query: string, answer: Answer): void;
  close(): Promise<void>;
}

function send(response: ServerResponse, status: number, body: string) {
  response.writeHead(status, { 'content-type': 'application/json' }).end(body);
}

function reply(answer: Answer | undefined, response: ServerResponse) {
  if (answer === 'hang') return;
  if (answer === undefined || 'vector' in answer) {
    const result = (answer?.vector ?? []).map(([metric, value]) => ({
      metric,
      value: [1700000000, value],
    }));
    send(
      response,
      200,
      JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }),
    );
  } else if ('scalar' in answer) {
    const data = { resultType: 'scalar', result: [1700000000, answer.scalar] };
    send(response, 200, JSON.stringify({ status: 'success', data }));
  } else {
    send(response, answer.status, answer.body);
  }
}

export async function startFakePrometheus(
  answers: Record<string, Answer> = {},
  options: { prefix?: string; otherwise?: Answer } = {},
): Promise<FakePrometheus> {
  const prefix = options.prefix ?? '';
  const recorded = new Map(Object.entries(answers));
  const received: ReceivedQuery[] = [];
  const open = new Set<ServerResponse>();
  let peakOpen = 0;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://fake');
    if (url.pathname !== `${prefix}/api/v1/query`) {
      send(response, 404, '{"status":"error","error":"not found"}');
      return;
    }
    const query = url.searchParams.get('query') ?? '';
    received.push({
      query,
      time: url.searchParams.get('time'),
      path: url.pathname,
      authorization: request.headers.authorization,
    });
    open.add(response);
    peakOpen = Math.max(peakOpen, open.size);
    response.on('close', () => open.delete(response));
    reply(recorded.get(query) ?? options.otherwise, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${String(port)}${prefix}`,
    received,
    get peakOpen() {
      return peakOpen;
    },
    answer: (query, answer) => recorded.set(query, answer),
    async close() {
      for (const response of open) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A vector with one element and no labels: what sum(...) answers. */
export const one = (value: string): Answer => ({ vector: [[{}, value]] });
