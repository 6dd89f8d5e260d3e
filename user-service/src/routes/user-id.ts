import { fail, type MessageKey } from '../messages.js';

const INT4_MAX = 2147483647;

/**
 * A user id from a path, read as the original's strconv.Atoi did ("+5" and "007" are 5 and 7),
 * bounded to the integer column so a huge number is a 400 rather than a database error.
 */
export function parseUserId(text: string, message: MessageKey): number {
  if (!/^[+-]?\d{1,10}$/.test(text)) fail(400, message);
  const id = Number(text);
  if (Math.abs(id) > INT4_MAX) fail(400, message);
  return id;
}
