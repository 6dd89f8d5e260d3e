import { ApiError } from './errors.js';
import { readJson, send, withQuery, type FetchFunction, type QueryValue } from './http.js';
import type { Session } from './session.js';

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  body?: unknown;
  /** false for the public routes (register, login): no token, no refresh. Default true. */
  auth?: boolean;
}

export interface Download {
  blob: Blob;
  filename: string | null;
}

export const NOT_SIGNED_IN = 'NOT_SIGNED_IN';

/**
 * Calls the API on the page's own origin (no CORS) with the session's access token.
 * A 401 on an authenticated call means the token expired or its session was revoked: the
 * client refreshes once and repeats the call once; if that fails too, the session ends and
 * the API's own message is thrown.
 */
export class ApiClient {
  private readonly fetchImpl: FetchFunction;

  constructor(
    private readonly session: Session,
    fetchImpl?: FetchFunction,
    private readonly baseUrl = '',
  ) {
    this.fetchImpl = fetchImpl ?? ((input, init) => globalThis.fetch(input, init));
  }

  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    return readJson<T>(await this.exchange(method, path, options, 'application/json'));
  }

  /** A file answer (the CSV export), with the name from Content-Disposition. */
  async download(path: string, options: RequestOptions = {}): Promise<Download> {
    const response = await this.exchange('GET', path, options, '*/*');
    if (!response.ok) await readJson(response); // throws the API's error
    return {
      blob: await response.blob(),
      filename: filenameOf(response.headers.get('content-disposition')),
    };
  }

  private async exchange(
    method: string,
    path: string,
    { query, body, auth = true }: RequestOptions,
    accept: string,
  ): Promise<Response> {
    const url = this.baseUrl + withQuery(path, query);
    if (!auth) return send(this.fetchImpl, method, url, { body, accept });

    const token = await this.session.validAccessToken();
    if (token === null) {
      throw new ApiError(401, NOT_SIGNED_IN, 'You are not signed in. Please sign in.');
    }
    const response = await send(this.fetchImpl, method, url, { body, token, accept });
    if (response.status !== 401) return response;

    if (await this.session.recover(token)) {
      return send(this.fetchImpl, method, url, { body, token: this.session.accessToken, accept });
    }
    // The refresh was refused: its message says why ("…already used; the session has been
    // revoked"), better than the bare 401 of the call.
    const refused = this.session.lastRefreshError;
    if (refused) throw refused;
    return response;
  }
}

/** The file name of a Content-Disposition header (filename* first, then filename). */
export function filenameOf(header: string | null): string | null {
  if (!header) return null;
  const extended = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  if (extended?.[1]) {
    try {
      return decodeURIComponent(extended[1].trim());
    } catch {
      // fall through to the plain parameter
    }
  }
  const plain = /filename\s*=\s*(?:"([^"]*)"|([^;\s]+))/.exec(header);
  return plain?.[1] ?? plain?.[2] ?? null;
}
