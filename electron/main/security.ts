// The security settings of the window, as data so a test can assert them
// (Electron's security checklist: docs/tutorial/security.md).
import type { WebPreferences } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../common/csp';

/** The custom scheme the built renderer is served from (see app-protocol.ts). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'neurovis';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * Headers set on every renderer response: the CSP, and cross-origin isolation
 * (COOP + COEP) so `crossOriginIsolated` is true and the worker pool can share
 * weights in a SharedArrayBuffer.
 */
export function securityHeaders(csp: string = CONTENT_SECURITY_POLICY): Record<string, string> {
  return {
    'Content-Security-Policy': csp,
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  };
}

/**
 * Merges our security headers into response headers as
 * `session.webRequest.onHeadersReceived` gives them (values are arrays, names
 * in any case): ours replace any header of the same name.
 */
export function withSecurityHeaders(
  responseHeaders: Record<string, string | string[]> | undefined,
  csp: string = CONTENT_SECURITY_POLICY,
): Record<string, string[]> {
  const ours = securityHeaders(csp);
  const ourNames = new Set(Object.keys(ours).map((n) => n.toLowerCase()));
  const merged: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(responseHeaders ?? {})) {
    if (!ourNames.has(name.toLowerCase())) merged[name] = Array.isArray(value) ? value : [value];
  }
  for (const [name, value] of Object.entries(ours)) merged[name] = [value];
  return merged;
}

/** The web preferences of the one window. */
export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    webviewTag: false,
    spellcheck: false,
    safeDialogs: true,
  };
}
