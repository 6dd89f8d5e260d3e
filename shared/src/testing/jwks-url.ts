import { inject } from 'vitest';
import './provided-context.js';

/**
 * JWKS_URL for the verifiers a test builds: the test run's JWKS server (global-setup.ts), which
 * publishes the key signTestToken signs with.
 */
export function testJwksUrl(): string {
  return inject('testJwksUrl');
}
