import { useState } from 'preact/hooks';
import { api } from '../context.js';
import { ErrorBox, Field, Notice, PageTitle, useAction } from '../components/ui.js';

export function PasswordPage() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const { busy, error, message, run } = useAction();

  const submit = async (event: Event) => {
    event.preventDefault();
    const reply = await run(
      () => api.changePassword(current, next),
      (r) =>
        `${r.message} (${String(r.sessions_revoked)} other session${r.sessions_revoked === 1 ? '' : 's'} ended)`,
    );
    if (reply) {
      setCurrent('');
      setNext('');
    }
  };

  return (
    <section class="narrow">
      <PageTitle>Change password</PageTitle>
      <p>Changing the password signs you out everywhere else; this browser stays signed in.</p>
      <form onSubmit={(e) => void submit(e)} class="stack">
        <Field label="Current password">
          {(a) => (
            <input
              {...a}
              name="current_password"
              type="password"
              autocomplete="current-password"
              required
              value={current}
              onInput={(e) => {
                setCurrent(e.currentTarget.value);
              }}
            />
          )}
        </Field>
        <Field label="New password" hint="At least 8 characters.">
          {(a) => (
            <input
              {...a}
              name="new_password"
              type="password"
              autocomplete="new-password"
              required
              value={next}
              onInput={(e) => {
                setNext(e.currentTarget.value);
              }}
            />
          )}
        </Field>
        <ErrorBox error={error} />
        <Notice>{message}</Notice>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Saving…' : 'Change password'}
        </button>
      </form>
    </section>
  );
}
