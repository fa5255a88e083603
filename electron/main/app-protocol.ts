// Serves the built renderer from `app://neurovis/…` (registered privileged as
// standard + secure), every response with the CSP and cross-origin isolation
// headers. Only files inside the renderer folder can be reached.
import path from 'node:path';
import { CONTENT_SECURITY_POLICY } from '../common/csp';
import { APP_HOST, APP_SCHEME, securityHeaders } from './security';

/** The privileges `protocol.registerSchemesAsPrivileged` gets for our scheme. */
export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  privileges: {
    standard: true,
    secure: true,
    supportFetchAPI: true,
    corsEnabled: true,
    stream: true,
    codeCache: true,
  },
} as const;

const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
};

export function mimeTypeFor(filePath: string): string {
  return MIME_TYPES[path.extname(filePath).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The file an `app://` URL names inside `rootDir`, or null when the URL is not
 * ours or would leave the folder (`..`, encoded separators, absolute paths).
 */
export function resolveAppUrl(url: string, rootDir: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(parsed.pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return null;
  const relative = pathname === '/' || pathname === '' ? 'index.html' : pathname.replace(/^\/+/, '');
  const root = path.resolve(rootDir);
  const resolved = path.resolve(root, relative);
  if (resolved !== root && !resolved.startsWith(root + path.sep)) return null;
  return resolved;
}

export type ReadFile = (filePath: string) => Promise<Uint8Array>;

/** The `protocol.handle(APP_SCHEME, …)` handler; plain fetch Request/Response, so it runs in Node too. */
export function createAppProtocolHandler(rootDir: string, readFile: ReadFile, csp: string = CONTENT_SECURITY_POLICY) {
  const headersFor = (extra: Record<string, string>) => ({ ...securityHeaders(csp), ...extra });
  const plain = (status: number, text: string) =>
    new Response(text, { status, headers: headersFor({ 'Content-Type': 'text/plain; charset=utf-8' }) });

  return async function handleAppRequest(request: Request): Promise<Response> {
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'Method Not Allowed');
    const filePath = resolveAppUrl(request.url, rootDir);
    if (filePath === null) return plain(404, 'Not Found');
    let body: Uint8Array;
    try {
      body = await readFile(filePath);
    } catch {
      return plain(404, 'Not Found');
    }
    const headers = headersFor({ 'Content-Type': mimeTypeFor(filePath), 'Cache-Control': 'no-cache' });
    // Node's Buffer may sit on a shared pool; Response only reads the view's bytes.
    return new Response(request.method === 'HEAD' ? null : (body as Uint8Array<ArrayBuffer>), { status: 200, headers });
  };
}
