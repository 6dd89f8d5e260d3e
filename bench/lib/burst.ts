import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { createSecureContext, type ConnectionOptions } from 'node:tls';

/**
 * How the scans arrive:
 * - open: `seconds` long, each user at a random moment (a Poisson process with its count
 *   fixed, seeded so runs are comparable), whether or not earlier scans were answered;
 * - clients: a closed loop of `clients` scanners, each starting the next user's scan when
 *   its previous one is answered (the most the system sustains, and its latency there);
 * - once: every scan sent at the same moment.
 */
export type Arrival =
  | { kind: 'open'; seconds: number }
  | { kind: 'clients'; clients: number }
  | { kind: 'once' };

export function describeArrival(arrival: Arrival, users: number): string {
  switch (arrival.kind) {
    case 'open':
      return `${String(users)} scans at random moments over ${String(arrival.seconds)} s (≈${(users / arrival.seconds).toFixed(0)}/s offered)`;
    case 'clients':
      return `${String(arrival.clients)} concurrent clients, closed loop`;
    case 'once':
      return `all ${String(users)} at once`;
  }
}

export interface BurstResult {
  statuses: Record<string, number>;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Answered scans per second, first send to last answer. */
  rate: number;
  wallMs: number;
}

/** A small seeded generator (mulberry32): the same arrival times in every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One POST on its own new connection (a phone scanning once: TCP and, for https, a TLS
 * handshake are part of its latency). Resolves with the status, or 0 for a network error.
 */
// One context for every connection: a phone does not build OpenSSL's context per scan, and
// this client shares the server's cores.
const secureContext = createSecureContext();

function scan(url: URL, token: string, body: string): Promise<number> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  // secureContext is passed on to tls.connect, which https.RequestOptions does not declare.
  const options: RequestOptions & Pick<ConnectionOptions, 'secureContext'> = {
    method: 'POST',
    agent: false,
    rejectUnauthorized: false,
    secureContext,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      connection: 'close',
    },
  };
  return new Promise((resolve) => {
    const req = send(url, options, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

/** The p-th percentile of ascending `sorted` (nearest rank). */
export const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

/** One scan's moments (performance.now()), for a caller that follows each one. */
export interface ScanTiming {
  token: string;
  sentAt: number;
  answeredAt: number;
  status: number;
}

/**
 * Every token scans `body` once at `url`, arriving as `arrival` says; `onScan`, when given,
 * hears each scan's moments as it is answered.
 */
export async function burst(
  url: string,
  tokens: string[],
  body: string,
  arrival: Arrival,
  onScan?: (timing: ScanTiming) => void,
): Promise<BurstResult> {
  const target = new URL(url);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const one = async (token: string) => {
    const started = performance.now();
    const status = await scan(target, token, body);
    const answered = performance.now();
    latencies.push(answered - started);
    onScan?.({ token, sentAt: started, answeredAt: answered, status });
    statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
  };
  const start = performance.now();
  if (arrival.kind === 'once') {
    await Promise.all(tokens.map(one));
  } else if (arrival.kind === 'clients') {
    let next = 0;
    await Promise.all(
      Array.from({ length: arrival.clients }, async () => {
        while (next < tokens.length) await one(tokens[next++] ?? '');
      }),
    );
  } else {
    const random = seeded(20_240_611);
    const times = tokens.map(() => random() * arrival.seconds * 1000).sort((a, b) => a - b);
    await Promise.all(
      tokens.map(async (token, i) => {
        const wait = (times[i] ?? 0) - (performance.now() - start);
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        await one(token);
      }),
    );
  }
  const wallMs = performance.now() - start;
  const sorted = latencies.sort((a, b) => a - b);
  return {
    statuses,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
    rate: (tokens.length / wallMs) * 1000,
    wallMs,
  };
}

/** "201×1000" style. */
export const formatStatuses = (statuses: Record<string, number>) =>
  Object.entries(statuses)
    .map(([status, count]) => `${status}×${String(count)}`)
    .join(' ');
