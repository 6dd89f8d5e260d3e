import { useState } from 'preact/hooks';
import { api } from '../../context.js';
import { ErrorBox, Field, useAction } from '../../components/ui.js';
import { t } from '../../i18n/i18n.js';

/** The networks typed in a box, as the API takes them (it judges each; its message is shown). */
export function networksFromText(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((entry) => entry.trim())
    .filter(Boolean);
}

/** The box of the new-event form (README.md, "Network restriction"). */
export function NetworksField({ value, onInput }: { value: string; onInput: (v: string) => void }) {
  return (
    <Field label={t('networks.label')} hint={t('networks.hint')}>
      {(a) => (
        <textarea
          {...a}
          name="allowed_networks"
          rows={2}
          spellcheck={false}
          autocapitalize="none"
          value={value}
          onInput={(e) => {
            onInput(e.currentTarget.value);
          }}
        />
      )}
    </Field>
  );
}

/** An event's networks in the list, and a small form to change them. */
export function NetworksCell({
  eventId,
  networks,
  onChanged,
}: {
  eventId: string;
  networks: string[] | null;
  onChanged: () => void;
}) {
  const [text, setText] = useState((networks ?? []).join('\n'));
  const { busy, error, run } = useAction();
  const save = async (event: Event) => {
    event.preventDefault();
    const list = networksFromText(text);
    const reply = await run(() => api.setAllowedNetworks(eventId, list.length === 0 ? null : list));
    if (reply) onChanged();
  };
  return (
    <details class="networks">
      <summary>{networks ? networks.join(', ') : t('networks.any')}</summary>
      <form onSubmit={(e) => void save(e)} class="stack">
        <NetworksField value={text} onInput={setText} />
        <ErrorBox error={error} />
        <button type="submit" disabled={busy}>
          {t('networks.save')}
        </button>
      </form>
    </details>
  );
}
