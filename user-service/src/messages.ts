import { HttpError, type ErrorBody } from '@cloud-backend/shared';

/**
 * The original's error messages, verbatim because clients display them, each with the
 * UPPER_SNAKE code the port adds (docs/compatibility.md#user-service lists them by route).
 * Messages the port adds are in English.
 */
export const MESSAGES = {
  tokenInvalid: { error: 'Token non valido o mancante', code: 'TOKEN_INVALID' },
  userInfoMissing: { error: 'User information not found', code: 'USER_INFO_MISSING' },
  adminRequired: { error: 'Admin access required', code: 'ADMIN_REQUIRED' },
  invalidPayload: { error: 'Payload non valido', code: 'INVALID_PAYLOAD' },
  invalidId: { error: 'ID non valido', code: 'INVALID_USER_ID' },
  invalidUserId: { error: 'ID utente non valido', code: 'INVALID_USER_ID' },
  userNotFound: { error: 'Utente non trovato', code: 'USER_NOT_FOUND' },
  nameRequired: { error: 'Nome e cognome sono richiesti', code: 'NAME_REQUIRED' },
  eventFieldsRequired: {
    error: 'Nome evento e data sono richiesti',
    code: 'EVENT_FIELDS_REQUIRED',
  },
  invalidDate: { error: 'Formato data non valido (YYYY-MM-DD)', code: 'INVALID_DATE' },
  eventNotFound: { error: 'Event not found', code: 'EVENT_NOT_FOUND' },
  qrContentRequired: { error: 'QR content è richiesto', code: 'QR_CONTENT_REQUIRED' },
  qrTypeUnsupported: { error: 'Tipo QR non supportato', code: 'QR_TYPE_UNSUPPORTED' },
  qrInvalid: { error: 'QR non valido o scaduto', code: 'QR_INVALID' },
  eventNotActive: { error: 'Evento non trovato o non attivo', code: 'EVENT_NOT_ACTIVE' },
  alreadyCheckedIn: {
    error: 'Hai già registrato la presenza per questo evento',
    code: 'ALREADY_CHECKED_IN',
  },
  // Added by the port.
  eventNotStarted: {
    error: 'Check-in for this event has not opened yet',
    code: 'EVENT_NOT_STARTED',
  },
  invalidEventName: {
    error: 'event_name must be at most 255 characters without control characters',
    code: 'INVALID_EVENT_NAME',
  },
  eventExpired: {
    error: "The event's check-in window has already ended",
    code: 'EVENT_ALREADY_ENDED',
  },
  invalidWindow: {
    error: 'starts_at and expires_at must be RFC 3339 date-times with starts_at before expires_at',
    code: 'INVALID_VALIDITY_WINDOW',
  },
  invalidRotation: {
    error: 'rotation_seconds must be an integer from 10 to 86400',
    code: 'INVALID_ROTATION',
  },
  networkNotAllowed: {
    error: "Check-in for this event is only possible from the organiser's network",
    code: 'NETWORK_NOT_ALLOWED',
  },
  networkOrActiveRequired: {
    error: 'Send is_active, allowed_networks or both',
    code: 'NOTHING_TO_UPDATE',
  },
  invalidStatus: { error: 'Invalid status', code: 'INVALID_STATUS' },
  invalidText: {
    error: 'Text fields must not contain control characters and must fit their column',
    code: 'INVALID_TEXT',
  },
  userInUse: {
    error: 'The user has attendance records and cannot be deleted',
    code: 'USER_IN_USE',
  },
} as const satisfies Record<string, ErrorBody>;

export type MessageKey = keyof typeof MESSAGES;

/** Throws the message as an HttpError (the shared error handler answers it). */
export function fail(status: number, key: MessageKey): never {
  const { error, code } = MESSAGES[key];
  throw new HttpError(status, code, error);
}

/** Control characters (NUL above all: PostgreSQL rejects it in text) have no place in names. */
export function hasControlCharacters(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(text);
}
