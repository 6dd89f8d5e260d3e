/** The languages of the web app and how the first one is chosen (frontend/README.md, "Languages"). */
export const LANGUAGES = ['it', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Where the reader's choice is kept, across tabs and visits. */
export const LANGUAGE_KEY = 'cloud-backend.language';

const isLanguage = (value: unknown): value is Language =>
  typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);

/**
 * The browser's preferences in order: the first Italian (`it`, `it-CH`, …) or English one
 * decides; none of them (German, say): English.
 */
export function fromBrowser(preferred: readonly string[]): Language {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLanguage(base)) return base;
  }
  return 'en';
}

/** The stored choice, else the browser's languages. Storage may be refused (private modes). */
export function initialLanguage(
  storage: Pick<Storage, 'getItem'> | undefined,
  preferred: readonly string[],
): Language {
  let stored: string | null = null;
  try {
    stored = storage?.getItem(LANGUAGE_KEY) ?? null;
  } catch {
    stored = null;
  }
  return isLanguage(stored) ? stored : fromBrowser(preferred);
}
