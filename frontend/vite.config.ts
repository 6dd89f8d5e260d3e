import { defineConfig, type ProxyOptions } from 'vite';

/**
 * The paths the app calls, all on its own origin: nginx in containers and
 * the gateway under `make dev` route them to the API. `vite` and `vite preview` forward them to
 * the gateway at GATEWAY_URL (default http://127.0.0.1:3000), so the app never calls another
 * origin and needs no CORS.
 */
export const API_PATHS = '^/(auth|user|admin|api|dashboard)(/|$)|^/login$';

export function gatewayProxy(target: string): Record<string, ProxyOptions> {
  // xfwd: the gateway sees the browser's address, as behind nginx.
  return { [API_PATHS]: { target, changeOrigin: false, xfwd: true } };
}

/**
 * The Content-Security-Policy the gateway's helmet sends (gateway/src/plugins/security-headers.ts);
 * the preview server sends it too, so the app is tested under the policy it is served with: no
 * inline script, no eval, images from the app and data: URLs only, no other origin.
 */
export const GATEWAY_CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "font-src 'self' https: data:",
  "form-action 'self'",
  "frame-ancestors 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self' https: 'unsafe-inline'",
].join(';');

const gateway = process.env.GATEWAY_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: import.meta.dirname,
  // Relative asset URLs: the same build works at / (nginx, the gateway) and below a prefix.
  base: './',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Every asset is bundled: nothing is fetched from another origin at run time.
    assetsInlineLimit: 0,
  },
  server: { proxy: gatewayProxy(gateway) },
  preview: { proxy: gatewayProxy(gateway), headers: { 'Content-Security-Policy': GATEWAY_CSP } },
});
