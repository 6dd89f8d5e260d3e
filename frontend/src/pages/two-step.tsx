import { useState } from 'preact/hooks';
import { api } from '../context.js';
import { ErrorBox, Field, Notice, PageTitle, useAction, useLoad } from '../components/ui.js';
import type { TotpEnabled, TotpEnrolment } from '../api/types.js';
import { t } from '../i18n/i18n.js';

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
      <p class="warning">{t('twoStep.saveCodes')}</p>
      <ol class="recovery-codes" aria-label={t('twoStep.codesLabel')}>
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
          {t('twoStep.setUp')}
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
      <p>{t('twoStep.scan')}</p>
      <img src={enrolment.qr_code} alt={t('twoStep.qrAlt')} width={256} height={256} />
      <p>
        {t('twoStep.byHand')} <code>{enrolment.secret}</code>
      </p>
      <CodeField label={t('twoStep.appCode')} value={code} onInput={setCode} />
      <ErrorBox error={confirm.error} />
      <button type="submit" class="primary" disabled={confirm.busy}>
        {confirm.busy ? t('common.checking') : t('twoStep.turnOn')}
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
      () => t('twoStep.turnedOff'),
    );
    if (done) {
      setCode('');
      reload();
    }
  };

  return (
    <section class="narrow">
      <PageTitle>{t('twoStep.title')}</PageTitle>
      <ErrorBox error={error} />
      <Notice>{disable.message}</Notice>
      {loading && !status && <Notice>{t('common.loading')}</Notice>}
      {codes && <RecoveryCodes codes={codes} />}
      {status && !status.totp_enabled && !codes && (
        <>
          <p>
            {t('twoStep.explain')}
            {status.required && ` ${t('twoStep.required')}`}
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
          <p>{t('twoStep.on', { count: status.recovery_codes_left })}</p>
          <CodeField label={t('twoStep.offCode')} value={code} onInput={setCode} />
          <ErrorBox error={disable.error} />
          <button type="submit" class="danger" disabled={disable.busy}>
            {t('twoStep.turnOff')}
          </button>
        </form>
      )}
    </section>
  );
}
