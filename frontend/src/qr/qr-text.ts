import type { QrContent } from '../api/types.js';

/**
 * The body of POST /user/qr/scan from the text inside an event QR. The QR holds JSON
 * (`{"jwt":…,"type":"attendance_qr","version":"1.0"}`, as user-service writes it) and the API wants it as an
 * object. Text that is not such JSON (a bare token, say) is sent as the token, so the API,
 * not the app, decides whether it is valid, and its message is the one shown.
 */
export function qrContentFromText(text: string): QrContent {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        const { jwt, type, version } = parsed as Record<string, unknown>;
        return {
          jwt: typeof jwt === 'string' ? jwt : '',
          ...(typeof type === 'string' ? { type } : {}),
          ...(typeof version === 'string' ? { version } : {}),
        };
      }
    } catch {
      // not JSON after all: sent as it is
    }
  }
  return { jwt: trimmed };
}

/**
 * The check-in token in a QR's text when the text is an event's check-in URL
 * (`…/#/c/<token>`, README.md "Check-in URL"); null for anything else (the original's JSON).
 */
export function checkInTokenFromText(text: string): string | null {
  const match = /\/#\/c\/([A-Za-z0-9_-]+)$/.exec(text.trim());
  return match?.[1] ?? null;
}
