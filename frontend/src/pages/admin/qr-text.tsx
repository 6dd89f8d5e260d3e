import { useId, useRef, useState } from 'preact/hooks';

/** The text inside a QR, for attendees who cannot scan it (the paste fallback). */
export function QrText({ text }: { text: string }) {
  const id = useId();
  const area = useRef<HTMLTextAreaElement>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied('Copied.');
    } catch {
      // No clipboard access (plain http, permissions): select it for a manual copy.
      area.current?.select();
      setCopied('Selected: copy it with Ctrl+C or the menu.');
    }
  };
  return (
    <details class="qr-text">
      <summary>QR text (for the paste fallback)</summary>
      <label for={id}>QR text</label>
      <textarea id={id} ref={area} readOnly rows={4} value={text} spellcheck={false} />
      <button type="button" onClick={() => void copy()}>
        Copy the QR text
      </button>
      <span role="status">{copied}</span>
    </details>
  );
}
