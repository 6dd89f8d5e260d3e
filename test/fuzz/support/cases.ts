import fc from 'fast-check';
import {
  NASTY_STRINGS,
  anyJson,
  objectFor,
  oneOf,
  toJson,
  valueFor,
  type Fixtures,
  type JsonSchema,
} from './inputs.js';
import type { FuzzRoute } from './routes.js';

/** Whose token a case carries: resolved to a live session when the case is sent. */
export type TokenKind = 'admin' | 'user' | 'none' | 'forged';

/** One request, as sent to the gateway. */
export interface FuzzCase {
  /** schema: derived from the route's schemas; random: anything at the route's paths. */
  kind: 'schema' | 'random';
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
  chunked: boolean;
  token: TokenKind;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PROPFIND', 'PURGE'];

/**
 * Path segments sent verbatim (all in the range a request line may carry): dot segments,
 * encoded separators, broken or overlong percent-encodings, encoded NUL and lone surrogates,
 * numbers in every spelling.
 */
const RAW_SEGMENTS = [
  '..',
  '.',
  '%2e%2e',
  '%2E',
  '%2F',
  '%2f..%2f',
  '%5C..%5C',
  '%ZZ',
  '%',
  '%E0%A4%A',
  '%ED%A0%80',
  '%C0%AF',
  '%FF',
  '%00',
  ';',
  ';jsessionid=1',
  '*',
  '-1',
  '0',
  '+1',
  '1.0',
  '1e3',
  '0x10',
  '01',
  '1,2',
  '%201',
  '9'.repeat(40),
  'é',
  '$(id)',
  "'",
  'a'.repeat(5000),
];

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'APPLICATION/JSON',
  'application/vnd.api+json',
  'application/problem+json',
  'text/plain',
  'text/html',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/xml',
  'json',
  ';;;',
  '',
];

const MALFORMED_BODIES = [
  '',
  ' ',
  '{',
  '}',
  '[',
  '{"a":}',
  '{"a":1,}',
  '{"a":1}}',
  "{'a':1}",
  'nul',
  'NaN',
  '{"a":"\\ud800"}',
  '{"a":"\\u0000"}',
  '\uFEFF{}',
  'a=1&b=2',
  '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--',
  '<xml/>',
  '\u0000',
  '{"a":1e999999}',
  `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
  // Over the 1 MiB body limit.
  `{"a":"${'x'.repeat(1024 * 1024 + 10)}"}`,
];

const printable = fc.string({ unit: 'grapheme-ascii', maxLength: 40 }).map((text) =>
  // A header value may not carry control characters: the HTTP client would refuse to send it.
  text.replace(/[^\x20-\x7e]/g, ''),
);

/** Headers a client may add: spoofed identity and forwarding, odd request ids and origins. */
const extraHeaders = fc.oneof(
  { weight: 6, arbitrary: fc.constant({}) },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        'x-user-role': fc.constant('admin'),
        'x-user-id': printable,
        'x-forwarded-for': printable,
        'x-request-id': printable,
        origin: fc.constantFrom('https://evil.example', 'null', '*'),
        accept: fc.constantFrom('text/html', '*/*', 'application/xml', ''),
        forwarded: printable,
      },
      { requiredKeys: [] },
    ),
  },
);

const token = fc.constantFrom<TokenKind>(
  'admin',
  'admin',
  'admin',
  'user',
  'user',
  'none',
  'forged',
);

/** A path parameter or query value: serialised and percent-encoded, or a raw oddity. */
function urlValue(name: string, schema: JsonSchema, fixtures: Fixtures): fc.Arbitrary<string> {
  const encode = (value: unknown) => {
    const text = typeof value === 'string' ? value : toJson(value);
    try {
      return encodeURIComponent(text);
    } catch {
      // A lone surrogate cannot be encoded as UTF-8: send its bytes as WTF-8 would.
      return text.replace(/[^\w.~\-\uD800-\uDFFF]/g, '_').replace(/[\uD800-\uDFFF]/g, '%ED%A0%80');
    }
  };
  const ids = [...fixtures.userIds.map(String), ...fixtures.eventIds];
  return fc.oneof(
    { weight: 2, arbitrary: oneOf(ids) },
    { weight: 5, arbitrary: valueFor(name, schema, fixtures).map(encode) },
    { weight: 2, arbitrary: fc.constantFrom(...RAW_SEGMENTS) },
    { weight: 1, arbitrary: fc.constantFrom(...NASTY_STRINGS).map(encode) },
  );
}

const randomQuery = fc.oneof(
  { weight: 6, arbitrary: fc.constant('') },
  {
    weight: 3,
    arbitrary: fc.constantFrom('?', '??', '?&&', '?=', '?a', '?a[b]=1', '?a=%ZZ', '?%00=1', '#x'),
  },
  {
    weight: 2,
    arbitrary: fc
      .array(fc.tuple(printable, printable), { maxLength: 3 })
      .map((pairs) =>
        pairs.length === 0
          ? ''
          : `?${pairs.map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`).join('&')}`,
      ),
  },
);

/** A query string from the route's parameters (any may be absent, repeated or broken). */
function queryFor(route: FuzzRoute, fixtures: Fixtures): fc.Arbitrary<string> {
  const pairs = route.query.map(({ name, schema }) =>
    fc.option(
      fc.array(
        urlValue(name, schema, fixtures).map((value) => `${name}=${value}`),
        { minLength: 1, maxLength: 2 },
      ),
      { freq: 4 },
    ),
  );
  return fc.tuple(fc.tuple(...pairs), randomQuery).map(([own, extra]) => {
    const parts = own.flatMap((values) => values ?? []);
    return parts.length === 0 ? extra : `?${parts.join('&')}${extra.replace('?', '&')}`;
  });
}

/** A gateway path for the route, with every {param} filled in. */
function pathFor(route: FuzzRoute, fixtures: Fixtures): fc.Arbitrary<string> {
  const names = Object.keys(route.pathParams);
  const values = names.map((name) => urlValue(name, route.pathParams[name] ?? {}, fixtures));
  return fc
    .tuple(fc.constantFrom(...route.gatewayPaths), fc.tuple(...values))
    .map(([template, filled]) =>
      names.reduce((path, name, index) => path.replace(`{${name}}`, filled[index] ?? ''), template),
    );
}

/** Cases derived from the route's own schemas: its method, paths, query and body. */
function schemaCase(route: FuzzRoute, fixtures: Fixtures): fc.Arbitrary<FuzzCase> {
  const body = route.body
    ? fc.oneof(
        { weight: 6, arbitrary: objectFor(route.body, fixtures).map(toJson) },
        { weight: 1, arbitrary: anyJson.map(toJson) },
      )
    : fc.option(anyJson.map(toJson), { freq: 5 }).map((text) => text ?? undefined);
  const qr = oneOf(fixtures.qrContents).map((content) =>
    toJson({ qr_content: content, motivazione: 'fuzz' }),
  );
  return fc
    .record({
      path: pathFor(route, fixtures),
      query: queryFor(route, fixtures),
      body: route.servicePath === '/qr/scan' ? fc.oneof(body, qr) : body,
      contentType: fc.oneof(
        { weight: 8, arbitrary: fc.constant('application/json') },
        { weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
      ),
      headers: extraHeaders,
      token,
    })
    .map(({ path, query, body: text, contentType, headers, token: who }) => ({
      kind: 'schema',
      method: route.method,
      path: `${path}${query}`,
      headers: text === undefined ? headers : { ...headers, 'content-type': contentType },
      body: text,
      chunked: false,
      token: who,
    }));
}

/** Anything at the route's paths: other methods, extra segments, any bytes as the body. */
function randomCase(route: FuzzRoute, fixtures: Fixtures): fc.Arbitrary<FuzzCase> {
  const suffix = fc.oneof(
    { weight: 4, arbitrary: fc.constant('') },
    { weight: 1, arbitrary: fc.constantFrom('/', '//', '/x', '.json', '/%2F..', '/../internal') },
    {
      weight: 1,
      arbitrary: fc
        .array(fc.constantFrom(...RAW_SEGMENTS), { minLength: 1, maxLength: 3 })
        .map((segments) => `/${segments.join('/')}`),
    },
  );
  const body = fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: fc.constantFrom(...MALFORMED_BODIES) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
    { weight: 2, arbitrary: anyJson.map(toJson) },
  );
  return fc
    .record({
      method: fc.oneof(
        { weight: 3, arbitrary: fc.constant(route.method) },
        fc.constantFrom(...METHODS),
      ),
      path: pathFor(route, fixtures),
      suffix,
      query: fc.oneof(queryFor(route, fixtures), randomQuery),
      body,
      contentType: fc.option(fc.constantFrom(...CONTENT_TYPES), { freq: 4 }),
      headers: extraHeaders,
      chunked: fc.boolean(),
      token,
    })
    .map(
      ({
        method,
        path,
        suffix: more,
        query,
        body: text,
        contentType,
        headers,
        chunked,
        token: who,
      }) => ({
        kind: 'random',
        method,
        path: `${path}${more}${query}`,
        headers: contentType === null ? headers : { ...headers, 'content-type': contentType },
        body: text,
        chunked: chunked && text !== undefined,
        token: who,
      }),
    );
}

/** A case in a few hundred characters: bodies and paths can be megabytes long. */
export const describeCase = (fuzz: FuzzCase) =>
  `${fuzz.kind} case as ${fuzz.token}: ${fuzz.method} ${fuzz.path.slice(0, 300)} ` +
  `${JSON.stringify(fuzz.headers)} body ${JSON.stringify(fuzz.body?.slice(0, 300))}` +
  (fuzz.body !== undefined && fuzz.body.length > 300 ? ` (${String(fuzz.body.length)} chars)` : '');

/** Three schema-derived cases for every two random ones, printed short in a counterexample. */
export function casesFor(route: FuzzRoute, fixtures: Fixtures): fc.Arbitrary<FuzzCase> {
  return fc
    .oneof(
      { weight: 3, arbitrary: schemaCase(route, fixtures) },
      { weight: 2, arbitrary: randomCase(route, fixtures) },
    )
    .map((fuzz) => Object.assign(fuzz, { [fc.toStringMethod]: () => describeCase(fuzz) }));
}
