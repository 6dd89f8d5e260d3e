import { useEffect, useRef, useState } from 'preact/hooks';
import type { CurrentQr } from '../../api/types.js';
import { api } from '../../context.js';
import { ErrorBox, formatDate, PageTitle } from '../../components/ui.js';
import { LivePanel } from '../../live/live-panel.js';
import { useLiveAttendance } from '../../live/use-live.js';
import { href } from '../../router.js';
import { QrChoice } from './qr-choice.js';
import { QrText } from './qr-text.js';
import { t } from '../../i18n/i18n.js';

/** Never ask again sooner than this, whatever the clocks say (a client clock running ahead). */
const MIN_REFRESH_MS = 1000;
/** After a failed load, try again after this. */
const RETRY_MS = 5000;

/**
 * GET …/qr now, and again when a rotating QR is replaced (`rotates_at`), so the screen always
 * shows the code the API accepts.
 */
function useCurrentQr(eventId: string) {
  const [qr, setQr] = useState<CurrentQr | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [updates, setUpdates] = useState(0);
  const shown = useRef<string | null>(null);

  useEffect(() => {
    let stopped = false;
    shown.current = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      let delay: number | null = RETRY_MS;
      try {
        const current = await api.currentQr(eventId);
        if (stopped) return;
        if (shown.current !== null && shown.current !== current.qr_content) {
          setUpdates((n) => n + 1);
        }
        shown.current = current.qr_content;
        setQr(current);
        setError(null);
        delay =
          current.rotates_at === null
            ? null
            : Math.max(MIN_REFRESH_MS, Date.parse(current.rotates_at) - Date.now() + 200);
      } catch (err) {
        if (stopped) return;
        setError(err);
      }
      if (delay !== null) timer = setTimeout(() => void load(), delay);
    };
    void load();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [eventId]);

  return { qr, error, updates };
}

function Countdown({ until }: { until: string }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => {
      setNow(Date.now());
    }, 1000);
    return () => {
      clearInterval(timer);
    };
  }, []);
  const seconds = Math.max(0, Math.ceil((Date.parse(until) - now) / 1000));
  return <span class="countdown">{t('eventQr.newCode', { seconds })}</span>;
}

export function EventQrPage({ eventId }: { eventId: string }) {
  const { qr, error, updates } = useCurrentQr(eventId);
  const live = useLiveAttendance(eventId);
  const stage = useRef<HTMLDivElement>(null);
  const [fullScreen, setFullScreen] = useState(false);

  useEffect(() => {
    const update = () => {
      setFullScreen(document.fullscreenElement !== null);
    };
    document.addEventListener('fullscreenchange', update);
    return () => {
      document.removeEventListener('fullscreenchange', update);
    };
  }, []);

  const toggleFullScreen = async () => {
    if (document.fullscreenElement) await document.exitFullscreen();
    else await stage.current?.requestFullscreen();
  };

  return (
    <div class="qr-page">
      <div class="qr-toolbar">
        <a class="button" href={href('/admin/events')}>
          {t('common.backToEvents')}
        </a>
        <a class="button" href={href(`/admin/events/${encodeURIComponent(eventId)}`)}>
          {t('common.report')}
        </a>
        {document.fullscreenEnabled && (
          <button type="button" class="primary" onClick={() => void toggleFullScreen()}>
            {t('eventQr.fullScreen')}
          </button>
        )}
      </div>
      <div ref={stage} class={fullScreen ? 'qr-stage full' : 'qr-stage'}>
        <PageTitle>{qr ? qr.event_name : t('eventQr.title')}</PageTitle>
        <ErrorBox error={error} />
        {qr && (
          <>
            <p class="qr-meta">
              {formatDate(qr.date)}
              {!qr.is_active && <strong class="warning"> · {t('eventQr.inactive')}</strong>}
            </p>
            <QrChoice qr={qr} />
            <p class="qr-meta">
              {qr.rotates_at ? <Countdown until={qr.rotates_at} /> : t('eventQr.static')}
            </p>
            <LivePanel live={live} />
            <p class="visually-hidden" role="status">
              {updates > 0 ? t('eventQr.updated', { n: updates }) : ''}
            </p>
            {fullScreen && (
              <button type="button" onClick={() => void toggleFullScreen()}>
                {t('eventQr.leave')}
              </button>
            )}
          </>
        )}
      </div>
      {qr && !fullScreen && <QrText key={qr.qr_content} text={qr.qr_content} />}
    </div>
  );
}
