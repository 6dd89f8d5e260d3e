import type { ErrorBody } from '@cloud-backend/shared';

// The original gateway's bodies (GW §2.10), kept verbatim; `details` (the JWT library's error
// text) is dropped (D10).
export const JWT_INVALID: ErrorBody = { error: 'Token non valido o mancante', code: 'JWT_INVALID' };
export const ADMIN_REQUIRED: ErrorBody = {
  error: 'Access denied. Admin role required.',
  code: 'ADMIN_REQUIRED',
};
