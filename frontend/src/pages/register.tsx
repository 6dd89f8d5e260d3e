import { useState } from 'preact/hooks';
import { api } from '../context.js';
import { ErrorBox, Field, PageTitle, useAction } from '../components/ui.js';
import { href, navigate } from '../router.js';
import { t } from '../i18n/i18n.js';

export function RegisterPage() {
  const [form, setForm] = useState({
    email: '',
    username: '',
    name: '',
    surname: '',
    password: '',
  });
  const { busy, error, run } = useAction();
  const set = (key: keyof typeof form) => (e: { currentTarget: HTMLInputElement }) => {
    setForm({ ...form, [key]: e.currentTarget.value });
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    const reply = await run(() =>
      api.register({
        email: form.email.trim(),
        ...(form.username.trim() !== '' ? { username: form.username.trim() } : {}),
        name: form.name.trim(),
        surname: form.surname.trim(),
        // Never trimmed: the password is exactly what was typed.
        password: form.password,
      }),
    );
    if (reply) {
      navigate('/login', {
        registered: '1',
        email: reply.user.email || reply.user.username,
      });
    }
  };

  return (
    <section class="narrow">
      <PageTitle>{t('register.title')}</PageTitle>
      <form onSubmit={(e) => void submit(e)} class="stack">
        <Field label={t('common.email')}>
          {(a) => (
            <input
              {...a}
              name="email"
              type="email"
              autocomplete="email"
              required
              value={form.email}
              onInput={set('email')}
            />
          )}
        </Field>
        <Field label={t('register.username')} hint={t('register.usernameHint')}>
          {(a) => (
            <input
              {...a}
              name="username"
              type="text"
              autocomplete="username"
              autocapitalize="none"
              spellcheck={false}
              value={form.username}
              onInput={set('username')}
            />
          )}
        </Field>
        <Field label={t('register.firstName')}>
          {(a) => (
            <input
              {...a}
              name="name"
              type="text"
              autocomplete="given-name"
              required
              value={form.name}
              onInput={set('name')}
            />
          )}
        </Field>
        <Field label={t('register.lastName')}>
          {(a) => (
            <input
              {...a}
              name="surname"
              type="text"
              autocomplete="family-name"
              required
              value={form.surname}
              onInput={set('surname')}
            />
          )}
        </Field>
        <Field label={t('common.password')} hint={t('common.passwordHint')}>
          {(a) => (
            <input
              {...a}
              name="password"
              type="password"
              autocomplete="new-password"
              required
              value={form.password}
              onInput={set('password')}
            />
          )}
        </Field>
        <ErrorBox error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? t('register.busy') : t('register.submit')}
        </button>
      </form>
      <p>
        {t('register.already')} <a href={href('/login')}>{t('register.signIn')}</a>
      </p>
    </section>
  );
}
