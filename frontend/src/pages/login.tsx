import { useState } from 'preact/hooks';
import { signInStep, type SignInStep } from '../api/sign-in.js';
import type { SessionReply } from '../api/types.js';
import { api, session } from '../context.js';
import { ErrorBox, Field, Notice, PageTitle, useAction } from '../components/ui.js';
import { href, navigate, type Location } from '../router.js';
import { CodeField, RecoveryCodes, TotpEnrolmentForm } from './two-step.js';

export function LoginPage({ location, next }: { location: Location; next?: string }) {
  const registered = location.params.get('registered');
  const [identifier, setIdentifier] = useState(location.params.get('email') ?? '');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction();
  const ended = session.current.ended;

  // The second step, when the account has an authenticator or must set one up.
  const [step, setStep] = useState<SignInStep | null>(null);
  const [code, setCode] = useState('');
  const [codes, setCodes] = useState<{ list: string[]; reply: SessionReply } | null>(null);

  const finish = (reply: SessionReply) => {
    setPassword('');
    session.start(reply);
    const target = next ?? location.params.get('next') ?? '';
    if (next) return; // the page asked for renders now that the session exists
    navigate(target !== '' ? target : reply.user.role === 'admin' ? '/admin/events' : '/check-in');
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    const outcome = await run(() => signInStep(api.login(identifier, password)));
    if (!outcome) return;
    if (outcome.kind === 'done') finish(outcome.reply);
    else setStep(outcome);
  };

  const submitCode = async (event: Event) => {
    event.preventDefault();
    if (step?.kind !== 'code') return;
    const reply = await run(() => api.loginMfa(step.mfaToken, code));
    if (reply) finish(reply);
  };

  if (codes) {
    return (
      <section class="narrow">
        <PageTitle>Two-step sign-in is on</PageTitle>
        <RecoveryCodes codes={codes.list} />
        <button
          type="button"
          class="primary"
          onClick={() => {
            finish(codes.reply);
          }}
        >
          I saved them; continue
        </button>
      </section>
    );
  }
  if (step?.kind === 'enrol') {
    return (
      <section class="narrow">
        <PageTitle>Set up two-step sign-in</PageTitle>
        <p class="warning">
          Admins must use an authenticator app. Set one up to finish signing in.
        </p>
        <TotpEnrolmentForm
          enrolmentToken={step.enrolmentToken}
          onEnabled={(result) => {
            if (result.session) setCodes({ list: result.recovery_codes, reply: result.session });
          }}
        />
      </section>
    );
  }
  if (step?.kind === 'code') {
    return (
      <section class="narrow">
        <PageTitle>Two-step sign-in</PageTitle>
        <form onSubmit={(e) => void submitCode(e)} class="stack">
          <CodeField
            label="Code from your authenticator app"
            hint="Or one of your recovery codes."
            value={code}
            onInput={setCode}
          />
          <ErrorBox error={error} />
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Checking…' : 'Sign in'}
          </button>
          <button
            type="button"
            onClick={() => {
              setStep(null);
              setCode('');
            }}
          >
            Start again
          </button>
        </form>
      </section>
    );
  }

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
