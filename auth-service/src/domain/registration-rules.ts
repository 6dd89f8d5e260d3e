import { ERRORS, fail } from '../messages.js';
import { codePoints, PASSWORD_MAX_BYTES, passwordBytes, passwordLength } from './passwords.js';

export interface RegistrationInput {
  email?: string;
  username?: string;
  name?: string;
  surname?: string;
  password?: string;
}

export interface Registration {
  /** Bare, lower-cased address; null for a username-only account. */
  email: string | null;
  /** As given (trimmed); null when it is to be generated from the email. */
  username: string | null;
  name: string;
  surname: string;
  password: string;
}

const EMAIL_MAX = 255;
const NAME_MAX = 100;

// The original accepted RFC 5322 mailbox forms, `Bob <bob@x.io>` and `<bob@x.io>` included; the
// port keeps accepting them but stores only the address.
const DISPLAY_FORM = /^(?:[^<>]*?)\s*<([^<>]+)>$/;
const LOCAL_PART =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uFFFF-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uFFFF-]+)*$/;
const DOMAIN =
  /^[A-Za-z0-9\u0080-\uFFFF](?:[A-Za-z0-9\u0080-\uFFFF-]*[A-Za-z0-9\u0080-\uFFFF])?(?:\.[A-Za-z0-9\u0080-\uFFFF](?:[A-Za-z0-9\u0080-\uFFFF-]*[A-Za-z0-9\u0080-\uFFFF])?)*$/;
const USERNAME_FORBIDDEN = /[@\s\p{Cc}]/u;

/** The bare, lower-cased address, or null when the text is not an email address. */
export function normaliseEmail(text: string): string | null {
  const address = DISPLAY_FORM.exec(text)?.[1]?.trim() ?? text;
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return null;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (!LOCAL_PART.test(local) || !DOMAIN.test(domain)) return null;
  return address.toLowerCase();
}

/**
 * The original's registration checks in its order, with the port's fixes: the password is never
 * trimmed, over 72 bytes is a 400, lengths are checked before the database sees them, and the
 * email is normalised.
 */
export function checkRegistration(
  input: RegistrationInput,
  minPasswordLength: number,
): Registration {
  const emailText = (input.email ?? '').trim();
  const username = (input.username ?? '').trim();
  const name = (input.name ?? '').trim();
  const surname = (input.surname ?? '').trim();
  const password = input.password ?? '';

  let email: string | null = null;
  if (emailText !== '') {
    email = normaliseEmail(emailText);
    if (email === null) fail(400, ERRORS.invalidEmail);
  }
  if (passwordLength(password) < minPasswordLength) {
    fail(400, ERRORS.passwordTooShort(minPasswordLength));
  }
  if (passwordBytes(password) > PASSWORD_MAX_BYTES) fail(400, ERRORS.passwordTooLong);
  if (name === '' || surname === '') fail(400, ERRORS.missingNames);
  if (email === null && username === '') fail(400, ERRORS.missingRegisterIdentifier);

  if (email !== null && email.length > EMAIL_MAX)
    fail(400, ERRORS.fieldTooLong('email', EMAIL_MAX));
  for (const [field, value] of [
    ['username', username],
    ['name', name],
    ['surname', surname],
  ] as const) {
    if (codePoints(value) > NAME_MAX) fail(400, ERRORS.fieldTooLong(field, NAME_MAX));
  }
  if (username !== '' && USERNAME_FORBIDDEN.test(username)) fail(400, ERRORS.invalidUsername);

  return { email, username: username === '' ? null : username, name, surname, password };
}

/** Candidates for a generated username: the address's local part, then with 1, 2, … appended. */
export function usernameBase(email: string): string {
  const local = email.slice(0, email.lastIndexOf('@')).toLowerCase();
  const cleaned = local.replace(/[^\p{L}\p{N}._+-]/gu, '');
  return Array.from(cleaned === '' ? 'user' : cleaned)
    .slice(0, NAME_MAX - 8)
    .join('');
}
