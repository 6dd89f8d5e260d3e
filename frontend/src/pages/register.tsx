import { useState } from 'preact/hooks';
import { api } from '../context.js';
import { ErrorBox, Field, PageTitle, useAction } from '../components/ui.js';
import { href, navigate } from '../router.js';

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
        registered: reply.message,
        email: reply.user.email || reply.user.username,
      });
    }
  };

  return (
    <section class="narrow">
      <PageTitle>Register</PageTitle>
      <form onSubmit={(e) => void submit(e)} class="stack">
        <Field label="Email">
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
        <Field label="Username (optional)" hint="Made from your email when left empty.">
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
        <Field label="First name">
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
        <Field label="Last name">
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
        <Field label="Password" hint="At least 8 characters.">
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
          {busy ? 'Registering…' : 'Register'}
        </button>
      </form>
      <p>
        Already registered? <a href={href('/login')}>Sign in</a>
      </p>
    </section>
  );
}
