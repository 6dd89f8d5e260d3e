import { describe, expect, it } from 'vitest';
import { checkInTokenFromText, qrContentFromText } from '../src/qr/qr-text.js';
import { match } from '../src/router.js';

describe('qrContentFromText', () => {
  it("reads the QR's JSON into the object POST /user/qr/scan wants", () => {
    const text = '{"jwt":"aaa.bbb.ccc","type":"attendance_qr","version":"1.0"}';
    expect(qrContentFromText(`  ${text}\n`)).toEqual({
      jwt: 'aaa.bbb.ccc',
      type: 'attendance_qr',
      version: '1.0',
    });
  });

  it('sends any other text as the token, for the API to judge', () => {
    expect(qrContentFromText(' aaa.bbb.ccc ')).toEqual({ jwt: 'aaa.bbb.ccc' });
    expect(qrContentFromText('{not json')).toEqual({ jwt: '{not json' });
    expect(qrContentFromText('{"jwt":5,"type":"other"}')).toEqual({ jwt: '', type: 'other' });
  });
});

describe('routes', () => {
  it('matches patterns and decodes parameters', () => {
    expect(match('/admin/events/:id/qr', '/admin/events/caff%C3%A8-2026-01-01/qr')).toEqual({
      id: 'caffè-2026-01-01',
    });
    expect(match('/admin/events/:id', '/admin/events/x/qr')).toBeNull();
    expect(match('/login', '/login/')).toEqual({});
    expect(match('/admin/events/:id', '/admin/events/%E0%A4%A')).toBeNull();
  });
});

describe('checkInTokenFromText', () => {
  it("finds the token of an event's check-in URL, and nothing in the original's JSON", () => {
    expect(checkInTokenFromText(' https://a.example/#/c/AQAAACrQ9j8V4Tz5lqvmP2M\n')).toBe(
      'AQAAACrQ9j8V4Tz5lqvmP2M',
    );
    expect(checkInTokenFromText('http://localhost:3000/app/#/c/Ab-_9')).toBe('Ab-_9');
    expect(checkInTokenFromText('{"jwt":"a.b.c","type":"attendance_qr"}')).toBeNull();
    expect(checkInTokenFromText('https://a.example/#/c/')).toBeNull();
    expect(checkInTokenFromText('https://a.example/#/c/a b')).toBeNull();
  });
});
