import { useState } from 'preact/hooks';
import { api } from '../context.js';
import { ErrorBox, Field, Notice, PageTitle, useAction } from '../components/ui.js';
import { t } from '../i18n/i18n.js';

export function PasswordPage() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const { busy, error, message, run } = useAction();

  const submit = async (event: Event) => {
    event.preventDefault();
    const reply = await run(
      () => api.changePassword(current, next),
      (r) => t('password.done', { count: r.sessions_revoked }),
    );
    if (reply) {
      setCurrent('');
      setNext('');
    }
  };

  return (
    <section class="narrow">
      <PageTitle>{t('password.title')}</PageTitle>
      <p>{t('password.intro')}</p>
      <form onSubmit={(e) => void submit(e)} class="stack">
        <Field label={t('password.current')}>
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
        <Field label={t('password.new')} hint={t('common.passwordHint')}>
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
          {busy ? t('password.busy') : t('password.submit')}
        </button>
      </form>
    </section>
  );
}
