import { useState } from 'preact/hooks';
import { api, session } from '../context.js';
import { ErrorBox, Field, Notice, PageTitle, useAction } from '../components/ui.js';
import { href, navigate, type Location } from '../router.js';

export function LoginPage({ location, next }: { location: Location; next?: string }) {
  const registered = location.params.get('registered');
  const [identifier, setIdentifier] = useState(location.params.get('email') ?? '');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction();
  const ended = session.current.ended;

  const submit = async (event: Event) => {
    event.preventDefault();
    const reply = await run(() => api.login(identifier, password));
    if (!reply) return;
    session.start(reply);
    const target = next ?? location.params.get('next') ?? '';
    if (next) return; // the page asked for renders now that the session exists
    navigate(target !== '' ? target : reply.user.role === 'admin' ? '/admin/events' : '/check-in');
  };

  return (
    <section class="narrow">
      <PageTitle>Sign in</PageTitle>
      {registered !== null && <Notice>{registered}. You can sign in now.</Notice>}
      {ended && <p class="warning">{ended.message}</p>}
      {next && <p>Sign in to continue.</p>}
      <form onSubmit={(e) => void submit(e)} class="stack">
        <Field label="Email or username">
          {(attributes) => (
            <input
              {...attributes}
              name="identifier"
              type="text"
              autocomplete="username"
              autocapitalize="none"
              spellcheck={false}
              required
              value={identifier}
              onInput={(e) => {
                setIdentifier(e.currentTarget.value);
              }}
            />
          )}
        </Field>
        <Field label="Password">
          {(attributes) => (
            <input
              {...attributes}
              name="password"
              type="password"
              autocomplete="current-password"
              required
              value={password}
              onInput={(e) => {
                setPassword(e.currentTarget.value);
              }}
            />
          )}
        </Field>
        <ErrorBox error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p>
        No account yet? <a href={href('/register')}>Register</a>
      </p>
    </section>
  );
}
