import { useState } from 'preact/hooks';
import { api } from '../context.js';
import { ErrorBox, Field, Notice, PageTitle, useAction, useLoad } from '../components/ui.js';
import type { TotpEnabled, TotpEnrolment } from '../api/types.js';

/** A code field: digits from the app, or a recovery code where the form takes one. */
export function CodeField(props: {
  label: string;
  value: string;
  onInput: (value: string) => void;
  hint?: string;
}) {
  return (
    <Field label={props.label} hint={props.hint}>
      {(attributes) => (
        <input
          {...attributes}
          name="code"
          type="text"
          inputMode="numeric"
          autocomplete="one-time-code"
          autocapitalize="none"
          spellcheck={false}
          required
          value={props.value}
          onInput={(e) => {
            props.onInput(e.currentTarget.value);
          }}
        />
      )}
    </Field>
  );
}

/** The recovery codes, shown once: the server keeps only their hashes. */
export function RecoveryCodes({ codes }: { codes: string[] }) {
  return (
    <div class="stack">
      <p class="warning">
        Save these recovery codes now; they are not shown again. Each signs you in once if you lose
        your authenticator app.
      </p>
      <ol class="recovery-codes" aria-label="Recovery codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
    </div>
  );
}

/**
 * Setting up an authenticator app: a QR code (and the secret, to type in), then a first code
 * from the app turns it on and the recovery codes appear. With `enrolmentToken` (an admin who
 * must enrol before signing in) no access token is used.
 */
export function TotpEnrolmentForm(props: {
  enrolmentToken?: string;
  onEnabled: (result: TotpEnabled) => void;
}) {
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  const [code, setCode] = useState('');
  const start = useAction();
  const confirm = useAction();

  if (!enrolment) {
    return (
      <div class="stack">
        <ErrorBox error={start.error} />
        <button
          type="button"
          class="primary"
          disabled={start.busy}
          onClick={() =>
            void start
              .run(() => api.startTotp(props.enrolmentToken))
              .then((started) => {
                if (started) setEnrolment(started);
              })
          }
        >
          Set up an authenticator app
        </button>
      </div>
    );
  }
  const submit = async (event: Event) => {
    event.preventDefault();
    const enabled = await confirm.run(() => api.confirmTotp(code, props.enrolmentToken));
    if (enabled) props.onEnabled(enabled);
  };
  return (
    <form onSubmit={(e) => void submit(e)} class="stack">
      <p>Scan this code with your authenticator app, then type the six digits it shows.</p>
      <img
        src={enrolment.qr_code}
        alt="QR code for the authenticator app"
        width={256}
        height={256}
      />
      <p>
        Or type the key in by hand: <code>{enrolment.secret}</code>
      </p>
      <CodeField label="Code from the app" value={code} onInput={setCode} />
      <ErrorBox error={confirm.error} />
      <button type="submit" class="primary" disabled={confirm.busy}>
        {confirm.busy ? 'Checking…' : 'Turn on two-step sign-in'}
      </button>
    </form>
  );
}

/** The account's two-step sign-in: on or off, set up, or turned off with a code. */
export function TwoStepPage() {
  const { data: status, error, loading, reload } = useLoad(() => api.mfaStatus(), []);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [code, setCode] = useState('');
  const disable = useAction();

  const turnOff = async (event: Event) => {
    event.preventDefault();
    const done = await disable.run(
      () => api.disableTotp(code),
      (r) => r.message,
    );
    if (done) {
      setCode('');
      reload();
    }
  };

  return (
    <section class="narrow">
      <PageTitle>Two-step sign-in</PageTitle>
      <ErrorBox error={error} />
      <Notice>{disable.message}</Notice>
      {loading && !status && <Notice>Loading…</Notice>}
      {codes && <RecoveryCodes codes={codes} />}
      {status && !status.totp_enabled && !codes && (
        <>
          <p>
            With an authenticator app, signing in also asks for a code from your phone.
            {status.required && ' Your role requires it.'}
          </p>
          <TotpEnrolmentForm
            onEnabled={(result) => {
              setCodes(result.recovery_codes);
              reload();
            }}
          />
        </>
      )}
      {status?.totp_enabled && (
        <form onSubmit={(e) => void turnOff(e)} class="stack">
          <p>Two-step sign-in is on; {String(status.recovery_codes_left)} recovery code(s) left.</p>
          <CodeField label="Code from the app, or a recovery code" value={code} onInput={setCode} />
          <ErrorBox error={disable.error} />
          <button type="submit" class="danger" disabled={disable.busy}>
            Turn off two-step sign-in
          </button>
        </form>
      )}
    </section>
  );
}
