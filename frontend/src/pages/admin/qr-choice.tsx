import { useState } from 'preact/hooks';
import { t } from '../../i18n/i18n.js';

/** What both the generate and the current-QR replies carry: the two codes of an event. */
export interface EventCodes {
  event_name: string;
  qr_content: string;
  qr_image_base64: string;
  check_in_url: string;
  check_in_qr_image_base64: string;
}

/**
 * The event's QR code: by default the check-in URL's, which any phone's camera app opens in the
 * web app (README.md, "Check-in URL"); one click shows the original's code instead, for the
 * original's mobile app. `data-qr-content` holds the text of the code shown.
 */
export function QrChoice({ qr, imageClass = 'qr-big' }: { qr: EventCodes; imageClass?: string }) {
  const [original, setOriginal] = useState(false);
  const text = original ? qr.qr_content : qr.check_in_url;
  return (
    <>
      <img
        class={imageClass}
        src={original ? qr.qr_image_base64 : qr.check_in_qr_image_base64}
        alt={t('qrChoice.alt', { name: qr.event_name })}
        data-qr-content={text}
      />
      <p class="qr-meta">
        {original ? t('qrChoice.original') : t('qrChoice.camera')}{' '}
        <button
          type="button"
          aria-pressed={original}
          onClick={() => {
            setOriginal(!original);
          }}
        >
          {original ? t('qrChoice.showCamera') : t('qrChoice.showOriginal')}
        </button>
      </p>
    </>
  );
}
