import { decodeQr, loadDecoder, type Decoder } from './decode.js';
import { t } from '../i18n/i18n.js';

/** How often a video frame is decoded: often enough to feel instant, light on a phone. */
const SCAN_INTERVAL_MS = 150;

/** Why the camera could not start, in words a person can act on. */
export function cameraErrorMessage(error: unknown): string {
  if (!window.isSecureContext || !('mediaDevices' in navigator)) {
    return t('camera.insecure');
  }
  const name = error instanceof DOMException ? error.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return t('camera.denied');
    case 'NotFoundError':
    case 'OverconstrainedError':
      return t('camera.missing');
    case 'NotReadableError':
      return t('camera.busy');
    default:
      return error instanceof Error && error.message !== '' ? error.message : t('camera.failed');
  }
}

/**
 * Shows the back camera in `video` and decodes a frame every SCAN_INTERVAL_MS until a QR is
 * found; then stops the camera and hands over its text.
 */
export class CameraScanner {
  private stream: MediaStream | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private decoder: Decoder | null = null;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly onText: (text: string) => void,
  ) {}

  get running(): boolean {
    return this.stream !== null;
  }

  async start(): Promise<void> {
    if (this.stream) return;
    this.decoder = await loadDecoder();
    this.stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 } },
    });
    this.video.srcObject = this.stream;
    this.video.muted = true;
    this.video.playsInline = true;
    await this.video.play();
    this.tick();
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = null;
    this.video.srcObject = null;
  }

  private tick(): void {
    if (!this.stream) return;
    const { video } = this;
    if (this.decoder && video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA) {
      const text = decodeQr(this.decoder, video, video.videoWidth, video.videoHeight);
      if (text !== null) {
        this.stop();
        this.onText(text);
        return;
      }
    }
    this.timer = setTimeout(() => {
      this.tick();
    }, SCAN_INTERVAL_MS);
  }
}
