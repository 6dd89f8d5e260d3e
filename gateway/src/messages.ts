import type { ErrorBody } from '@cloud-backend/shared';

// The original gateway's bodies (docs/compatibility.md#gateway-errors), kept verbatim; its
// `details` (the JWT library's error text) is dropped (#fix-gateway-tokens).
export const JWT_INVALID: ErrorBody = { error: 'Token non valido o mancante', code: 'JWT_INVALID' };
export const ADMIN_REQUIRED: ErrorBody = {
  error: 'Access denied. Admin role required.',
  code: 'ADMIN_REQUIRED',
};
