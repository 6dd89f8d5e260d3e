import type { Answer } from '../../../gateway/test/support/http.js';

const CODE = /^[A-Z][A-Z0-9_]*$/;

/**
 * What is wrong with an answer, or undefined. Never a 5xx for anything a client sends; every error
 * is JSON with a string `error` and an UPPER_SNAKE `code` (docs/compatibility.md#errors: the port
 * adds a code to every body, including the original's that had none). Successful answers are not
 * judged here (a CSV export is not JSON), except that a JSON content type must hold JSON.
 */
export function problemWith(answer: Answer, method: string): string | undefined {
  if (answer.status >= 500) return `status ${String(answer.status)}`;
  const type = answer.headers['content-type'] ?? '';
  if (answer.status < 400) {
    if (!type.includes('json') || method === 'HEAD' || answer.text === '') return undefined;
    try {
      JSON.parse(answer.text);
      return undefined;
    } catch {
      return `a ${String(answer.status)} whose JSON body does not parse`;
    }
  }
  if (!type.startsWith('application/json')) return `error with content-type "${type}"`;
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return 'error body is not JSON';
  }
  const { error, code } = (body ?? {}) as { error?: unknown; code?: unknown };
  if (typeof error !== 'string' || error === '') return 'error body without a string "error"';
  if (typeof code !== 'string' || !CODE.test(code))
    return 'error body without an UPPER_SNAKE "code"';
  // The run raises the gateway's limits out of the way: one of its 429s means they still bit
  // and the cases after it never reached the services. (auth-service's ACCOUNT_LOCKED is a
  // 429 the fuzz earns fairly, by failing logins on a real account.)
  if (code.endsWith('RATE_LIMITED')) return `the gateway's rate limit answered (${code})`;
  return undefined;
}

/** Cases and statuses of one route, for the summary. */
export class RouteStats {
  cases = 0;
  readonly statuses = new Map<number, number>();
  readonly codes = new Map<string, number>();
  elapsedMs = 0;
  /** Connections reset before the answer was read (the case is then sent once more). */
  resets = 0;
  /** Cases reset again when retried (only large GET bodies may be: see routes.e2e.ts). */
  unanswered = 0;
  /** The slowest answer and what was sent for it. */
  slowest = { ms: 0, request: '' };

  record(answer: Answer, request: string): void {
    this.cases += 1;
    if (answer.elapsed > this.slowest.ms) this.slowest = { ms: answer.elapsed, request };
    this.statuses.set(answer.status, (this.statuses.get(answer.status) ?? 0) + 1);
    if (answer.status >= 400) {
      try {
        const { code } = JSON.parse(answer.text) as { code?: unknown };
        if (typeof code === 'string') this.codes.set(code, (this.codes.get(code) ?? 0) + 1);
      } catch {
        // problemWith() reports a body that is not JSON.
      }
    }
  }

  histogram(): string {
    const statuses = [...this.statuses.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, count]) => `${String(status)}×${String(count)}`);
    const resets = this.resets > 0 ? [`reset×${String(this.resets)}`] : [];
    const unanswered = this.unanswered > 0 ? [`unanswered×${String(this.unanswered)}`] : [];
    return [...statuses, ...resets, ...unanswered].join(' ');
  }
}
