import { useState } from 'preact/hooks';
import { signInStep, type SignInStep } from '../api/sign-in.js';
import type { SessionReply } from '../api/types.js';
import { api, session } from '../context.js';
import { ErrorBox, Field, Notice, PageTitle, useAction } from '../components/ui.js';
import { href, navigate, type Location } from '../router.js';
import { CodeField, RecoveryCodes, TotpEnrolmentForm } from './two-step.js';
import { t } from '../i18n/i18n.js';
import { endedMessage } from '../i18n/session-ended.js';

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
        <PageTitle>{t('login.mfaOnTitle')}</PageTitle>
        <RecoveryCodes codes={codes.list} />
        <button
          type="button"
          class="primary"
          onClick={() => {
            finish(codes.reply);
          }}
        >
          {t('login.savedContinue')}
        </button>
      </section>
    );
  }
  if (step?.kind === 'enrol') {
    return (
      <section class="narrow">
        <PageTitle>{t('login.enrolTitle')}</PageTitle>
        <p class="warning">{t('login.enrolNeeded')}</p>
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
        <PageTitle>{t('login.codeTitle')}</PageTitle>
        <form onSubmit={(e) => void submitCode(e)} class="stack">
          <CodeField
            label={t('login.codeLabel')}
            hint={t('login.codeHint')}
            value={code}
            onInput={setCode}
          />
          <ErrorBox error={error} />
          <button type="submit" class="primary" disabled={busy}>
            {busy ? t('common.checking') : t('login.submit')}
          </button>
          <button
            type="button"
            onClick={() => {
              setStep(null);
              setCode('');
            }}
          >
            {t('login.startAgain')}
          </button>
        </form>
      </section>
    );
  }

  return (
    <section class="narrow">
      <PageTitle>{t('login.title')}</PageTitle>
      {registered !== null && <Notice>{t('login.registered')}</Notice>}
      {ended && <p class="warning">{endedMessage(ended)}</p>}
      {next && <p>{t('login.toContinue')}</p>}
      <form onSubmit={(e) => void submit(e)} class="stack">
        <Field label={t('login.identifier')}>
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
        <Field label={t('common.password')}>
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
          {busy ? t('login.busy') : t('login.submit')}
        </button>
      </form>
      <p>
        {t('login.noAccount')} <a href={href('/register')}>{t('login.register')}</a>
      </p>
    </section>
  );
}
