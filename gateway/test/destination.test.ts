import { describe, expect, it } from 'vitest';
import { refuseDestination } from '../src/proxy/destination.js';
import { headerValue } from '../src/proxy/request-headers.js';

describe('refuseDestination', () => {
  it.each([
    '/login',
    '/profile',
    '/api/social/log',
    '/qr/admin/events/e-1',
    '/internals',
    '/x/internal',
    '/%E2%82%AC',
  ])('forwards %s', (path) => {
    expect(refuseDestination(path)).toBeNull();
  });

  it.each([
    ['/internal/revocations', 404],
    ['/INTERNAL/revocations', 404],
    ['//internal', 404],
    ['/%69nternal/x', 404],
    ['/%2finternal/x', 404],
    ['\\internal/x', 404],
    ['/./internal', 400],
    ['/%2E%2E/x', 400],
    ['/a/..', 400],
    ['/a/.%5c..', 400],
    ['/%E0%A4%A', 400],
  ])('refuses %s with %i', (path, status) => {
    expect(refuseDestination(path)?.status).toBe(status);
  });

  it('refuses the paths a route blocks', () => {
    expect(refuseDestination('/-/quit', [/^\/-\/quit/])?.status).toBe(404);
    expect(refuseDestination('/-/ready', [/^\/-\/quit/])).toBeNull();
  });
});

describe('headerValue', () => {
  it('keeps printable ASCII and percent-encodes the rest', () => {
    expect(headerValue('Ada Lovelace <ada@example.com>')).toBe('Ada Lovelace <ada@example.com>');
    expect(headerValue('Zoë\r\nX-Evil: 1')).toBe('Zo%C3%AB%0D%0AX-Evil: 1');
    expect(headerValue('50%')).toBe('50%25');
    expect(headerValue('\ud800')).toBe('%EF%BF%BD');
  });
});
