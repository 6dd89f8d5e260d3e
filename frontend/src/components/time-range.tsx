import { Field } from './ui.js';

type Input = (e: { currentTarget: { value: string } }) => void;

/** The From / To pair of the log and audit filters (local date and time). */
export function TimeRangeFields(props: { from: string; to: string; onFrom: Input; onTo: Input }) {
  return (
    <>
      <Field label="From">
        {(a) => (
          <input
            {...a}
            name="from"
            type="datetime-local"
            value={props.from}
            onInput={props.onFrom}
          />
        )}
      </Field>
      <Field label="To">
        {(a) => (
          <input {...a} name="to" type="datetime-local" value={props.to} onInput={props.onTo} />
        )}
      </Field>
    </>
  );
}
