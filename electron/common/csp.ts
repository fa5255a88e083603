// The Content-Security-Policy of the renderer, wherever it is served: by the Electron main
// process (security.ts), by Vite's preview server (renderer/vite.config.ts) and by the
// benchmark's and the tests' servers. Plain data, no Electron.

/**
 * Content-Security-Policy of every renderer response. Inline styles stay allowed
 * because Vue style bindings and ECharts set `style` attributes; scripts do not.
 * Workers come from our own bundle (or a blob: URL the pool makes from it).
 */
const CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'self'"],
  // 'wasm-unsafe-eval' lets the engine compile its WebAssembly kernels; JavaScript eval stays blocked.
  'script-src': ["'self'", "'wasm-unsafe-eval'"],
  'worker-src': ["'self'", 'blob:'],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};

function cspString(directives: Readonly<Record<string, readonly string[]>> = CSP_DIRECTIVES): string {
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}

export const CONTENT_SECURITY_POLICY = cspString();

/**
 * The dev server (electron-vite dev) needs its origin and HMR websocket, and
 * Vite injects an inline module for HMR; this policy is never used in a build.
 */
export function devContentSecurityPolicy(devOrigin: string): string {
  const ws = devOrigin.replace(/^http/, 'ws');
  return cspString({
    ...CSP_DIRECTIVES,
    'script-src': ["'self'", "'wasm-unsafe-eval'", "'unsafe-inline'", devOrigin],
    'connect-src': ["'self'", devOrigin, ws],
  });
}
