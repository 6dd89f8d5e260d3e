/**
 * The web app's words in Italian and English (frontend/README.md, "Languages"): one i18next
 * instance over the two catalogues, the reader's choice kept in localStorage and shown as
 * `<html lang>`. Components call `t` while they render; the App re-renders on a change.
 */
import i18next from 'i18next';
import { useEffect, useState } from 'preact/hooks';
import { en } from './en.js';
import { it } from './it.js';
import { initialLanguage, LANGUAGE_KEY, type Language } from './language.js';

declare module 'i18next' {
  interface CustomTypeOptions {
    resources: { translation: typeof en };
  }
}

type Tree = { [key: string]: string | Tree };

/**
 * Italian has a third plural category, "many" (a million, …), that reads like "other"; the
 * catalogues write `_one` and `_other` only, so each `_other` is copied to `_many`.
 */
function withMany(tree: Tree): Tree {
  const out: Tree = {};
  for (const [key, value] of Object.entries(tree)) {
    if (typeof value === 'string') {
      out[key] = value;
      if (key.endsWith('_other')) out[`${key.slice(0, -'_other'.length)}_many`] = value;
    } else {
      out[key] = withMany(value);
    }
  }
  return out;
}

const inBrowser = typeof window !== 'undefined';

function storage(): Storage | undefined {
  try {
    return inBrowser ? window.localStorage : undefined;
  } catch {
    return undefined;
  }
}

function preferred(): readonly string[] {
  if (typeof navigator === 'undefined') return [];
  const languages: unknown = navigator.languages;
  return Array.isArray(languages)
    ? languages.filter((tag): tag is string => typeof tag === 'string')
    : [];
}

export const i18n = i18next.createInstance();

void i18n.init({
  lng: initialLanguage(storage(), preferred()),
  fallbackLng: 'en',
  supportedLngs: ['it', 'en'],
  // Synchronous: the catalogues are bundled, so the first render already has its words.
  initAsync: false,
  resources: {
    en: { translation: en },
    it: { translation: withMany(it) },
  },
  // Preact escapes what it renders; escaping here too would show "&amp;".
  interpolation: { escapeValue: false },
});

/** The message of `key` in the current language. */
export const t = i18n.t.bind(i18n);

export function currentLanguage(): Language {
  return i18n.language === 'it' ? 'it' : 'en';
}

function showLanguage(language: Language): void {
  if (inBrowser) document.documentElement.lang = language;
}
showLanguage(currentLanguage());

/** Switches the whole app to `language`, remembers it, and says so in `<html lang>`. */
export function setLanguage(language: Language): void {
  try {
    storage()?.setItem(LANGUAGE_KEY, language);
  } catch {
    // Storage refused: the choice lasts until the page is closed.
  }
  void i18n.changeLanguage(language);
  showLanguage(language);
}

/** The current language; the component re-renders when it changes. */
export function useLanguage(): Language {
  const [language, setState] = useState(currentLanguage);
  useEffect(() => {
    const changed = () => {
      setState(currentLanguage());
    };
    i18n.on('languageChanged', changed);
    return () => {
      i18n.off('languageChanged', changed);
    };
  }, []);
  return language;
}

/**
 * The locale for dates and numbers: the browser's own variant of the chosen language when it
 * has one (en-GB, it-CH), else the language itself.
 */
export function locale(): string {
  const language = currentLanguage();
  return preferred().find((tag) => tag.toLowerCase().split('-')[0] === language) ?? language;
}

/**
 * The message of a key made at run time (an API's error code, an enumerated value), or
 * undefined when the catalogue has none.
 */
export function messageFor(key: string, values?: Record<string, unknown>): string | undefined {
  if (!i18n.exists(key)) return undefined;
  return (i18n.t as (key: string, values?: Record<string, unknown>) => string)(key, values);
}
