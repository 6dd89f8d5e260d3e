import { Writable } from 'node:stream';
import { createServiceApp, type ServiceApp, type ServiceAppOptions } from '../src/index.js';

export const SERVICE = 'test-service';

/** A platform app with no routes of its own, as a service starts. */
export function testApp(options: Partial<ServiceAppOptions> = {}): Promise<ServiceApp> {
  return createServiceApp({ service: SERVICE, version: '9.9.9', logger: false, ...options });
}

/** A writable that keeps every JSON log line, for assertions on what gets logged. */
export function logCapture(): {
  stream: Writable;
  lines: () => Record<string, unknown>[];
  text: () => string;
} {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return {
    stream,
    text: () => text,
    lines: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
