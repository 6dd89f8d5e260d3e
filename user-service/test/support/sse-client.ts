import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** How long a test waits for a message before it fails (the machine may be loaded). */
const WAIT_MS = 30_000;

/**
 * A Server-Sent Events client for tests, over fetch: it reads the stream as it arrives and
 * lets a test wait for the next message or comment, so a test can tell that a message came
 * while the stream is still open (nothing buffered it until the end).
 */
export class SseClient {
  readonly messages: EventSourceMessage[] = [];
  readonly comments: string[] = [];
  private taken = 0;
  private commentsTaken = 0;
  private waiters: (() => void)[] = [];
  private done = false;
  /** Resolves when the server ends the stream (or the client closes it). */
  readonly ended: Promise<void>;

  private constructor(
    readonly status: number,
    readonly headers: Headers,
    private readonly controller: AbortController,
    body: ReadableStream<Uint8Array> | null,
  ) {
    const parser = createParser({
      onEvent: (message) => {
        this.messages.push(message);
        this.wake();
      },
      onComment: (comment) => {
        this.comments.push(comment);
        this.wake();
      },
    });
    this.ended = (async () => {
      if (!body) return;
      const decoder = new TextDecoder();
      const reader = body.getReader();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.feed(decoder.decode(value, { stream: true }));
        }
      } catch {
        // Aborted by close(), or the connection was cut: either way the stream is over.
      } finally {
        this.done = true;
        this.wake();
      }
    })();
  }

  /** Opens a stream; resolves once the response headers arrive. */
  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const controller = new AbortController();
    const response = await fetch(url, {
      headers: { accept: 'text/event-stream', ...headers },
      signal: controller.signal,
    });
    return new SseClient(response.status, response.headers, controller, response.body);
  }

  /** The next message not yet taken, optionally of one event type; fails when none comes. */
  async next(event?: string): Promise<EventSourceMessage & { json: unknown }> {
    for (;;) {
      while (this.taken < this.messages.length) {
        const message = this.messages[this.taken++];
        if (message && (event === undefined || message.event === event)) {
          return { ...message, json: JSON.parse(message.data) as unknown };
        }
      }
      if (this.done) throw new Error(`the stream ended before a ${event ?? 'message'} came`);
      await this.wait(`a ${event ?? 'message'}`);
    }
  }

  /** The next comment line not yet taken (a heartbeat). */
  async nextComment(): Promise<string> {
    for (;;) {
      const comment = this.comments[this.commentsTaken];
      if (comment !== undefined) {
        this.commentsTaken += 1;
        return comment;
      }
      if (this.done) throw new Error('the stream ended before a comment came');
      await this.wait('a comment');
    }
  }

  /** Whether the stream is still open. */
  get open(): boolean {
    return !this.done;
  }

  close(): Promise<void> {
    this.controller.abort();
    return this.ended;
  }

  private wait(what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter !== wake);
        reject(new Error(`no ${what} within ${WAIT_MS} ms`));
      }, WAIT_MS);
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(wake);
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }
}

/** An answer that is not a stream: its status and JSON body. */
export async function fetchJson(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown; type: string | null }> {
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers } });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    body: await response.json(),
  };
}
