import type { FastifyInstance } from 'fastify';

/** Raised by the JSON parser below; errors.ts answers it with a 400 (or the route's body). */
export const UNSTORABLE_TEXT = 'CB_ERR_UNSTORABLE_TEXT';

// PostgreSQL cannot store NUL in text, and rejects a lone UTF-16 surrogate inside jsonb, so
// such a string would turn a client's mistake into a 500 deep inside a query. In `u` mode a
// proper surrogate pair is one code point, so only unpaired halves match \p{Cs}.
const LONE_SURROGATE = /\p{Cs}/u;
const NUL = String.fromCharCode(0);

function storableText(text: string): boolean {
  return !text.includes(NUL) && !LONE_SURROGATE.test(text);
}

function storable(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return storableText(value);
  if (value === null || typeof value !== 'object') return true;
  if (depth > 64) return false;
  if (Array.isArray(value)) return value.every((item) => storable(item, depth + 1));
  return Object.entries(value).every(
    ([key, item]) => storableText(key) && storable(item, depth + 1),
  );
}

class UnstorableTextError extends Error {
  readonly code = UNSTORABLE_TEXT;
  readonly statusCode = 400;
  constructor() {
    super('Text may not contain NUL characters or unpaired surrogates');
  }
}

/**
 * Fastify's own JSON parser (prototype-poisoning protection included), followed by a check that
 * every string in the body can be stored in PostgreSQL.
 */
export function useStorableJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    void parse(request, body as string, (err: Error | null, value?: unknown) => {
      if (err) {
        done(err, undefined);
        return;
      }
      if (!storable(value)) {
        done(new UnstorableTextError(), undefined);
        return;
      }
      done(null, value);
    });
  });
}
