import QRCode from 'qrcode';

/**
 * The text inside the QR symbol and the `qr_content` of the replies
 * (docs/compatibility.md#qr-content): compact JSON with the keys in this order, exactly as the
 * original's Go encoder wrote it.
 */
export function qrContent(token: string): string {
  return JSON.stringify({ jwt: token, type: 'attendance_qr', version: '1.0' });
}

/**
 * The original's QR image (docs/compatibility.md#qr-content) as a data URL: a 256×256 PNG, error
 * correction M, 4-module quiet zone. Byte-for-byte equality with go-qrcode is not needed; every
 * scanner reads the same text.
 */
export async function qrImageDataUrl(content: string): Promise<string> {
  const png = await QRCode.toBuffer(content, {
    type: 'png',
    errorCorrectionLevel: 'M',
    width: 256,
    margin: 4,
    color: { dark: '#000000', light: '#ffffff' },
  });
  return `data:image/png;base64,${png.toString('base64')}`;
}
