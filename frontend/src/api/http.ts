import { ApiError, errorFromBody, NETWORK_ERROR } from './errors.js';

export type FetchFunction = (input: string, init?: RequestInit) => Promise<Response>;

export type QueryValue = string | number | boolean | null | undefined;

/** A path with its query string; empty, null and undefined values are left out. */
export function withQuery(path: string, query?: Record<string, QueryValue>): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.append(key, String(value));
  }
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
}

export interface SendOptions {
  body?: unknown;
  token?: string | null;
  accept?: string;
}

/** One HTTP exchange; a failure to get any answer becomes an ApiError with status 0. */
export async function send(
  fetchImpl: FetchFunction,
  method: string,
  url: string,
  { body, token, accept = 'application/json' }: SendOptions = {},
): Promise<Response> {
  const headers: Record<string, string> = { Accept: accept };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  try {
    return await fetchImpl(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      // Tokens travel in the Authorization header only; no cookie is ever needed.
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (cause) {
    throw new ApiError(
      0,
      NETWORK_ERROR,
      'The server could not be reached. Check the connection and try again.',
      cause instanceof Error ? cause.message : undefined,
    );
  }
}

/** The JSON body of a 2xx answer (undefined when empty), or the ApiError of any other. */
export async function readJson<T>(response: Response): Promise<T> {
  const text = await response.text();
  if (!response.ok) throw errorFromBody(response.status, response.statusText, text);
  if (text === '') return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError(response.status, 'INVALID_RESPONSE', 'The server sent an unreadable answer');
  }
}
