import { useId, useRef, useState } from 'preact/hooks';
import { t } from '../../i18n/i18n.js';

/** The text inside a QR, for attendees who cannot scan it (the paste fallback). */
export function QrText({ text }: { text: string }) {
  const id = useId();
  const area = useRef<HTMLTextAreaElement>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(t('qrText.copied'));
    } catch {
      // No clipboard access (plain http, permissions): select it for a manual copy.
      area.current?.select();
      setCopied(t('qrText.selected'));
    }
  };
  return (
    <details class="qr-text">
      <summary>{t('qrText.summary')}</summary>
      <label for={id}>{t('qrText.label')}</label>
      <textarea id={id} ref={area} readOnly rows={4} value={text} spellcheck={false} />
      <button type="button" onClick={() => void copy()}>
        {t('qrText.copy')}
      </button>
      <span role="status">{copied}</span>
    </details>
  );
}
