import type jsQRFunction from 'jsqr';

export type Decoder = typeof jsQRFunction;

/** Frames are scaled down to this width before decoding: enough for a QR filling part of it. */
const MAX_WIDTH = 800;

let decoder: Promise<Decoder> | undefined;
let canvas: HTMLCanvasElement | undefined;

/**
 * jsQR, loaded when a page first needs it: it is most of the app's code, and only the
 * check-in page uses it. A chunk of this app, from this origin (no CDN).
 */
export function loadDecoder(): Promise<Decoder> {
  decoder ??= import('jsqr').then((module) => module.default);
  return decoder;
}

/** The text of the QR symbol in an image, video frame or bitmap, or null when none is found. */
export function decodeQr(
  jsQR: Decoder,
  source: CanvasImageSource,
  width: number,
  height: number,
  thorough = false,
): string | null {
  if (width === 0 || height === 0) return null;
  const scale = Math.min(1, MAX_WIDTH / width);
  const w = Math.round(width * scale);
  const h = Math.round(height * scale);
  canvas ??= document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) return null;
  context.drawImage(source, 0, 0, w, h);
  const image = context.getImageData(0, 0, w, h);
  const code = jsQR(image.data, w, h, {
    // Video: one cheap pass per frame. A photo is decoded once, so try inverted colours too.
    inversionAttempts: thorough ? 'attemptBoth' : 'dontInvert',
  });
  return code && code.data !== '' ? code.data : null;
}

/** The QR text in a picture the person chose or took (the fallback without a live camera). */
export async function decodeImageFile(file: Blob): Promise<string | null> {
  const jsQR = await loadDecoder();
  const bitmap = await createImageBitmap(file);
  try {
    return decodeQr(jsQR, bitmap, bitmap.width, bitmap.height, true);
  } finally {
    bitmap.close();
  }
}
