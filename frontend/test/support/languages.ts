/**
 * The browser test's check that a page is all in one language (frontend/README.md,
 * "Languages"). A page's words are its text nodes, the aria-label, title, placeholder and alt
 * attributes and the document title, less what the API sent (names, event names, e-mails: every
 * string of its JSON answers but its `error` and `message` texts, which the app no longer shows)
 * and less what is marked as not to translate (`<code>`, `translate="no"`, `{…}` examples). What
 * remains must hold no word that only the other language's catalogue uses: a string left in
 * English on the Italian page, or an API message in Italian on the English page, has one.
 */
import type { Page } from 'playwright-core';
import { en } from '../../src/i18n/en.js';
import { it } from '../../src/i18n/it.js';
import type { Language } from '../../src/i18n/language.js';

type Tree = { [key: string]: string | Tree };

function messages(tree: Tree): string[] {
  return Object.values(tree).flatMap((value) =>
    typeof value === 'string' ? [value] : messages(value),
  );
}

/** Words of three letters or more, lower-cased; `{{placeholders}}` are not words. */
function words(text: string): string[] {
  return (
    text
      .replace(/\{\{\w+\}\}/g, ' ')
      .toLowerCase()
      .match(/\p{L}{3,}/gu) ?? []
  ).filter(Boolean);
}

function vocabulary(tree: Tree): Set<string> {
  return new Set(messages(tree).flatMap(words));
}

const ENGLISH = vocabulary(en);
const ITALIAN = vocabulary(it);

/** The words only the other language's catalogue has: their sight on a page is a miss. */
export const FOREIGN: Record<Language, Set<string>> = {
  it: new Set([...ENGLISH].filter((word) => !ITALIAN.has(word))),
  en: new Set([...ITALIAN].filter((word) => !ENGLISH.has(word))),
};

const API_PATH = /^\/(auth|user|admin|api)(\/|$)/;

/** Keys whose strings are the API's own sentences, not data the page may show as it is. */
const API_SENTENCES = new Set(['error', 'message']);

function strings(value: unknown, key: string, into: Set<string>): void {
  if (typeof value === 'string') {
    if (!API_SENTENCES.has(key) && value.length >= 3) into.add(value);
  } else if (Array.isArray(value)) {
    for (const item of value) strings(item, key, into);
  } else if (value && typeof value === 'object') {
    for (const [name, item] of Object.entries(value)) strings(item, name, into);
  }
}

/**
 * Watches a page's API answers: the strings they carry (data), and how many calls are still
 * on their way (the live stream, which never ends, left out).
 */
export function watchApi(page: Page) {
  const data = new Set<string>();
  const pending = new Set<unknown>();
  const isApi = (url: string) => {
    const path = new URL(url).pathname;
    return API_PATH.test(path) && !path.endsWith('/live');
  };
  page.on('request', (request) => {
    if (isApi(request.url())) pending.add(request);
  });
  page.on('requestfailed', (request) => pending.delete(request));
  page.on('requestfinished', (request) => {
    pending.delete(request);
    if (!isApi(request.url())) return;
    void request
      .response()
      .then(async (response) => {
        if (!response?.headers()['content-type']?.includes('application/json')) return;
        strings(await response.json(), '', data);
      })
      .catch(() => undefined);
  });
  return { data, pending };
}

/** Every string the page shows or names, as the browser has it now. */
export async function pageStrings(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const language = document.documentElement.lang;
    // Code, examples, and what is in another language on purpose (the switch's language names).
    const skipped = (element: Element | null) =>
      element?.closest('code, textarea, script, style, [translate="no"]') != null ||
      (element?.closest('body [lang]')?.getAttribute('lang') ?? language) !== language;
    const found: string[] = [document.title];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent?.trim() ?? '';
      if (text !== '' && !skipped(node.parentElement)) found.push(text);
    }
    for (const element of document.body.querySelectorAll(
      '[aria-label], [title], [placeholder], [alt]',
    )) {
      if (skipped(element)) continue;
      for (const name of ['aria-label', 'title', 'placeholder', 'alt']) {
        const value = element.getAttribute(name);
        if (value) found.push(value);
      }
    }
    return found;
  });
}

/** The words of `shown` that belong to the other language, each with the string it was in. */
export function foreignWords(language: Language, shown: string[], data: Set<string>): string[] {
  // The longest first, so that a name is removed whole before a shorter one inside it.
  const known = [...data].sort((a, b) => b.length - a.length);
  const misses: string[] = [];
  for (const text of shown) {
    let rest = text.replace(/\{[^}]*\}/g, ' ');
    for (const value of known) if (rest.includes(value)) rest = rest.split(value).join(' ');
    for (const word of words(rest)) {
      if (FOREIGN[language].has(word)) misses.push(`"${word}" in "${text}"`);
    }
  }
  return misses;
}
