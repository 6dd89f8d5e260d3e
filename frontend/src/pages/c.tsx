import { useEffect, useRef, useState } from 'preact/hooks';
import type { ScanReply } from '../api/types.js';
import { api } from '../context.js';
import { ErrorBox, formatEventDateTime, Notice, PageTitle, useAction } from '../components/ui.js';
import { href } from '../router.js';
import { t } from '../i18n/i18n.js';

/**
 * `#/c/<token>`: the page an event's check-in URL opens (README.md, "Check-in URL"), usually
 * from a phone's camera app. The router shows the sign-in form first when there is no session
 * and this page once there is one. It checks in as soon as it opens, without a tap: opening the
 * link (scanning the QR, then signing in if asked) is already the attendee's deliberate act, and
 * a second opening only gets the API's "already checked in" answer.
 */
export function CheckInLinkPage({ token }: { token: string }) {
  const [result, setResult] = useState<ScanReply | null>(null);
  const { busy, error, run } = useAction();
  const started = useRef<string | null>(null);

  useEffect(() => {
    // Once per token, whatever re-renders happen while the answer is on its way.
    if (started.current === token) return;
    started.current = token;
    void run(() => api.scanCheckIn(token)).then((reply) => {
      if (reply) setResult(reply);
    });
  }, [token, run]);

  return (
    <section class="narrow">
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
          </div>
        )}
      </div>
      {busy && <Notice>{t('checkIn.busy')}</Notice>}
      <ErrorBox error={error} />
      {!busy && (
        <p>
          <a href={href('/attendance')}>{t('checkIn.seeAttendance')}</a> ·{' '}
          <a href={href('/check-in')}>{t('checkIn.another')}</a>
        </p>
      )}
    </section>
  );
}
