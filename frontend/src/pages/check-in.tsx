import { useEffect, useRef, useState } from 'preact/hooks';
import type { ScanReply } from '../api/types.js';
import { api } from '../context.js';
import {
  ErrorBox,
  Field,
  formatEventDateTime,
  Notice,
  PageTitle,
  useAction,
} from '../components/ui.js';
import { CameraScanner, cameraErrorMessage } from '../qr/camera.js';
import { decodeImageFile } from '../qr/decode.js';
import { checkInTokenFromText, qrContentFromText } from '../qr/qr-text.js';
import { href } from '../router.js';
import { t } from '../i18n/i18n.js';

/**
 * Check-in: the event's QR read by the device camera, from a picture, or pasted as text. All
 * three send the same POST /user/qr/scan; the API's answer (its Italian message included) is
 * what the person sees.
 */
export function CheckInPage() {
  const video = useRef<HTMLVideoElement>(null);
  const scanner = useRef<CameraScanner | null>(null);
  const [cameraOn, setCameraOn] = useState(false);
  const [cameraError, setCameraError] = useState<string | null>(null);
  const [text, setText] = useState('');
  const [result, setResult] = useState<ScanReply | null>(null);
  const [progress, setProgress] = useState<string | null>(null);
  const { busy, error, run, setError } = useAction();

  const checkIn = async (qrText: string) => {
    setResult(null);
    setProgress(null);
    // The check-in URL's QR, read here rather than by the phone's camera app, works too.
    const token = checkInTokenFromText(qrText);
    const reply = await run(() =>
      token === null ? api.scan(qrContentFromText(qrText)) : api.scanCheckIn(token),
    );
    if (reply) {
      setResult(reply);
      setText('');
    }
  };

  useEffect(
    () => () => {
      scanner.current?.stop();
    },
    [],
  );

  const startCamera = async () => {
    setCameraError(null);
    setError(null);
    setResult(null);
    if (!video.current) return;
    scanner.current ??= new CameraScanner(video.current, (found) => {
      setCameraOn(false);
      setProgress(t('checkIn.read'));
      void checkIn(found);
    });
    try {
      setCameraOn(true);
      await scanner.current.start();
    } catch (err) {
      scanner.current.stop();
      setCameraOn(false);
      setCameraError(cameraErrorMessage(err));
    }
  };

  const stopCamera = () => {
    scanner.current?.stop();
    setCameraOn(false);
  };

  const onPicture = async (event: { currentTarget: HTMLInputElement }) => {
    const input = event.currentTarget;
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    setResult(null);
    setError(null);
    setProgress(t('checkIn.reading'));
    let found: string | null = null;
    try {
      found = await decodeImageFile(file);
    } catch {
      found = null;
    }
    if (found === null) {
      setProgress(null);
      setCameraError(t('checkIn.noQr'));
      return;
    }
    setCameraError(null);
    setProgress(t('checkIn.read'));
    await checkIn(found);
  };

  const submitText = async (event: Event) => {
    event.preventDefault();
    await checkIn(text);
  };

  return (
    <section>
      <PageTitle>{t('checkIn.title')}</PageTitle>
      <div aria-live="polite">
        {result && (
          <div class="success" role="status">
            <p>
              <strong>{t('checkIn.done', { event: result.event_name })}</strong>
            </p>
            <p>
              {result.event_name} · {formatEventDateTime(result.timestamp)}
            </p>
            <p>
              <a href={href('/attendance')}>{t('checkIn.seeAttendance')}</a>
            </p>
          </div>
        )}
      </div>
      <ErrorBox error={error} />
      {busy ? <Notice>{t('checkIn.busy')}</Notice> : <Notice>{progress}</Notice>}

      <div class="grid">
        <section class="card stack" aria-labelledby="camera-heading">
          <h2 id="camera-heading">{t('checkIn.cameraHeading')}</h2>
          <p>{t('checkIn.cameraHelp')}</p>
          <video
            ref={video}
            class={cameraOn ? 'camera' : 'camera hidden'}
            aria-label={t('checkIn.preview')}
            muted
            playsInline
          />
          {cameraError && (
            <p class="error" role="alert">
              {cameraError}
            </p>
          )}
          {cameraOn ? (
            <button type="button" onClick={stopCamera}>
              {t('checkIn.stop')}
            </button>
          ) : (
            <button
              type="button"
              class="primary"
              onClick={() => void startCamera()}
              disabled={busy}
            >
              {t('checkIn.start')}
            </button>
          )}
          <Field label={t('checkIn.picture')}>
            {(a) => (
              <input
                {...a}
                name="picture"
                type="file"
                accept="image/*"
                disabled={busy}
                onChange={(e) => void onPicture(e)}
              />
            )}
          </Field>
        </section>

        <section class="card stack" aria-labelledby="paste-heading">
          <h2 id="paste-heading">{t('checkIn.pasteHeading')}</h2>
          <form onSubmit={(e) => void submitText(e)} class="stack">
            <Field
              label={t('checkIn.qrText')}
              hint={t('checkIn.qrTextHint', {
                example: '{"jwt":"…","type":"attendance_qr","version":"1.0"}',
              })}
            >
              {(a) => (
                <textarea
                  {...a}
                  name="qr_text"
                  rows={4}
                  required
                  spellcheck={false}
                  autocapitalize="none"
                  value={text}
                  onInput={(e) => {
                    setText(e.currentTarget.value);
                  }}
                />
              )}
            </Field>
            <button type="submit" class="primary" disabled={busy}>
              {t('checkIn.submit')}
            </button>
          </form>
        </section>
      </div>
    </section>
  );
}
