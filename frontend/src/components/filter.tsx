/**
 * The fields of a list's filter form, each bound by its name to one value of the list's
 * filters (useFilters). Meant to be imported as a namespace: `<Filter.Text name=… />`.
 */
import type { Filters } from './use-filters.js';
import { Field } from './ui.js';
import { t } from '../i18n/i18n.js';

/** What every field takes: the list's filters and the name of the value it edits. */
interface Bound<Name extends string> {
  filters: Filters<Record<Name, string>>;
  name: Name;
  label: string;
  hint?: string;
}

export function Text<Name extends string>(
  props: Bound<Name> & { type?: 'text' | 'search' | 'number'; min?: number; list?: string },
) {
  const { filters, name } = props;
  return (
    <Field label={props.label} {...(props.hint ? { hint: props.hint } : {})}>
      {(a) => (
        <input
          {...a}
          name={name}
          type={props.type ?? 'text'}
          min={props.min}
          list={props.list}
          value={filters.draft[name]}
          onInput={filters.set(name)}
        />
      )}
    </Field>
  );
}

/** A choice among `choices` (value → text), or "Any". */
export function Choice<Name extends string>(
  props: Bound<Name> & {
    choices: Record<string, string>;
    /** The choices are names (services) that no language translates. */
    names?: boolean;
  },
) {
  const { filters, name } = props;
  return (
    <Field label={props.label}>
      {(a) => (
        <select {...a} name={name} value={filters.draft[name]} onChange={filters.set(name)}>
          <option value="">{t('common.any')}</option>
          {Object.entries(props.choices).map(([value, text]) => (
            <option key={value} value={value} {...(props.names ? { translate: false } : {})}>
              {text}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

export function UserId({ filters }: { filters: Filters<{ user_id: string }> }) {
  return <Text filters={filters} name="user_id" label={t('common.userId')} type="number" min={1} />;
}

/** The From / To pair's empty state, to spread into a list's filters. */
export const NO_TIME_RANGE = { from: '', to: '' };

/** The From / To pair of the log and audit filters (local date and time). */
export function TimeRange({ filters }: { filters: Filters<{ from: string; to: string }> }) {
  return (
    <>
      {(['from', 'to'] as const).map((name) => (
        <Field key={name} label={name === 'from' ? t('common.from') : t('common.to')}>
          {(a) => (
            <input
              {...a}
              name={name}
              type="datetime-local"
              value={filters.draft[name]}
              onInput={filters.set(name)}
            />
          )}
        </Field>
      ))}
    </>
  );
}
