/**
 * The web app's two languages (src/i18n/): how the first one is chosen, that both catalogues
 * say the same things (same keys, same placeholders), and that an API error is shown in the
 * reader's language by its code.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, errorFromBody, errorMessage } from '../src/api/errors.js';
import { en } from '../src/i18n/en.js';
import { i18n, setLanguage, t } from '../src/i18n/i18n.js';
import { it as italian } from '../src/i18n/it.js';
import { fromBrowser, initialLanguage, LANGUAGE_KEY } from '../src/i18n/language.js';
import { foreignWords } from './support/languages.js';

type Tree = { [key: string]: string | Tree };

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    if (typeof value === 'string') out.set(`${prefix}${key}`, value);
    else for (const [k, v] of flatten(value, `${prefix}${key}.`)) out.set(k, v);
  }
  return out;
}

const placeholders = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

afterEach(() => {
  setLanguage('en');
});

describe('choosing the language', () => {
  it('takes the first Italian or English language the browser prefers, else English', () => {
    expect(fromBrowser(['it-IT', 'en-US'])).toBe('it');
    expect(fromBrowser(['it-CH'])).toBe('it');
    expect(fromBrowser(['en-GB', 'it'])).toBe('en');
    expect(fromBrowser(['de-DE', 'it'])).toBe('it');
    expect(fromBrowser(['fr-FR', 'de'])).toBe('en');
    expect(fromBrowser([])).toBe('en');
  });

  it('prefers the remembered choice, ignoring a stored value it does not know', () => {
    const storage = (value: string | null) => ({
      getItem: (key: string) => (key === LANGUAGE_KEY ? value : null),
    });
    expect(initialLanguage(storage('en'), ['it-IT'])).toBe('en');
    expect(initialLanguage(storage('it'), ['en-US'])).toBe('it');
    expect(initialLanguage(storage('klingon'), ['it-IT'])).toBe('it');
    const refusing = {
      getItem: () => {
        throw new Error('SecurityError');
      },
    };
    expect(initialLanguage(refusing, ['it'])).toBe('it');
    expect(initialLanguage(undefined, [])).toBe('en');
  });
});

describe('the catalogues', () => {
  const english = flatten(en);
  const italianMessages = flatten(italian);

  it('have the same keys, none empty, and the same placeholders in each message', () => {
    expect([...italianMessages.keys()].sort()).toEqual([...english.keys()].sort());
    for (const [key, text] of english) {
      const other = italianMessages.get(key) ?? '';
      expect(text.trim(), key).not.toBe('');
      expect(other.trim(), key).not.toBe('');
      expect(placeholders(other), key).toEqual(placeholders(text));
    }
  });

  it('pick plural forms by count in both languages, Italian "many" included', () => {
    expect(t('totals.events', { count: 1 })).toBe('1 event');
    expect(t('totals.events', { count: 2 })).toBe('2 events');
    setLanguage('it');
    expect(i18n.language).toBe('it');
    expect(t('totals.events', { count: 1 })).toBe('1 evento');
    expect(t('totals.events', { count: 3 })).toBe('3 eventi');
    // CLDR's Italian "many" (a million, …) reads as "other".
    expect(t('totals.events', { count: 1_000_000 })).toBe('1000000 eventi');
  });
});

describe("the browser test's check for words of the other language", () => {
  it('finds an English string left on an Italian page, and an API message in Italian on an English one', () => {
    expect(foreignWords('it', ['Ultimo accesso', 'Last sign-in'], new Set())).toEqual([
      '"last" in "Last sign-in"',
      '"sign" in "Last sign-in"',
    ]);
    expect(
      foreignWords('en', ['Presenza registrata automaticamente', 'Checked in: Demo'], new Set()),
    ).toEqual([
      '"presenza" in "Presenza registrata automaticamente"',
      '"registrata" in "Presenza registrata automaticamente"',
    ]);
  });

  it('leaves out what the API sent (names, event names) and examples in braces', () => {
    const data = new Set(['Last Event of the Year', 'Grace Hopper']);
    expect(
      foreignWords(
        'it',
        ['Resoconto: Last Event of the Year', 'Ruolo di Grace Hopper', 'ad esempio {"type":"x"}'],
        data,
      ),
    ).toEqual([]);
  });
});

describe('API errors in the reader’s language', () => {
  const refused = () =>
    errorFromBody(
      401,
      'Unauthorized',
      JSON.stringify({ error: 'Credenziali errate', code: 'INVALID_CREDENTIALS' }),
    );

  it('shows the app’s own message for a known code, in each language', () => {
    expect(errorMessage(refused())).toBe('Wrong email, username or password.');
    setLanguage('it');
    expect(errorMessage(refused())).toBe('Email, nome utente o password errati.');
  });

  it('keeps the validation details after the message', () => {
    const error = errorFromBody(
      400,
      'Bad Request',
      JSON.stringify({
        error: 'Invalid request',
        code: 'VALIDATION_ERROR',
        details: [{ field: 'querystring.page', message: 'must be integer' }],
      }),
    );
    expect(errorMessage(error)).toBe('The request is not valid. querystring.page: must be integer');
  });

  it("falls back to the API's text for a code the app does not know", () => {
    const error = errorFromBody(
      418,
      '',
      JSON.stringify({ error: 'Teapot here', code: 'SOMETHING_NEW' }),
    );
    expect(errorMessage(error)).toBe('Teapot here');
    setLanguage('it');
    expect(errorMessage(error)).toBe('Teapot here');
  });

  it('names the status of an answer that is not the API’s JSON, and a dropped connection', () => {
    expect(errorMessage(errorFromBody(502, 'Bad Gateway', '<html>…</html>'))).toBe(
      'The server answered with an error (HTTP 502).',
    );
    setLanguage('it');
    expect(errorMessage(new ApiError(0, 'NETWORK_ERROR', 'offline'))).toBe(
      'Impossibile raggiungere il server. Controlla la connessione e riprova.',
    );
  });
});
