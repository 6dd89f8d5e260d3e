import { setLanguage, t, useLanguage } from './i18n.js';
import { LANGUAGES, type Language } from './language.js';

/** Each language by its own name, the same on every page, so a reader finds theirs. */
const NAMES: Record<Language, string> = { it: 'Italiano', en: 'English' };

/** The header's language choice: two buttons, the current one pressed. */
export function LanguageSwitch() {
  const current = useLanguage();
  return (
    <div class="languages" role="group" aria-label={t('app.language')}>
      {LANGUAGES.map((language) => (
        <button
          key={language}
          type="button"
          lang={language}
          aria-pressed={language === current}
          onClick={() => {
            setLanguage(language);
          }}
        >
          {NAMES[language]}
        </button>
      ))}
    </div>
  );
}
