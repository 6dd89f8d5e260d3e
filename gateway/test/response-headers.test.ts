import { describe, expect, it } from 'vitest';
import { clientResponseHeaders } from '../src/proxy/response-headers.js';

describe('clientResponseHeaders: what of an upstream answer reaches the client', () => {
  it("drops the upstream's hop-by-hop headers, those its Connection header names included", () => {
    const headers = clientResponseHeaders(
      {
        connection: 'keep-alive, X-Upstream-Hop',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
        'x-upstream-hop': 'secret',
        'content-type': 'application/json',
        'x-request-id': 'abc',
      },
      false,
    );
    expect(headers).toEqual({ 'content-type': 'application/json', 'x-request-id': 'abc' });
  });

  it("drops the upstream's CORS headers and keeps Origin in its Vary", () => {
    const headers = clientResponseHeaders(
      { 'access-control-allow-origin': '*', vary: 'Accept-Encoding' },
      true,
    );
    expect(headers).toEqual({ vary: 'Accept-Encoding, Origin' });
  });
});
