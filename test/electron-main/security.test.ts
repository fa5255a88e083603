import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, devContentSecurityPolicy } from '../../electron/common/csp';
import { APP_ORIGIN, secureWebPreferences, securityHeaders, withSecurityHeaders } from '../../electron/main/security';

/** Directive name → sources, parsed the way a browser splits a policy. */
function parseCsp(policy: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) out.set(name, sources);
  }
  return out;
}

describe('BrowserWindow web preferences', () => {
  it('keep the renderer isolated, sandboxed and without Node', () => {
    const prefs = secureWebPreferences('/app/out/preload/index.cjs');
    expect(prefs).toEqual({
      preload: '/app/out/preload/index.cjs',
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
    });
  });
});

describe('Content-Security-Policy', () => {
  it('is the strict policy of the app', () => {
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; style-src 'self' 'unsafe-inline'; " +
        "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
  });

  it('allows no inline or evaluated script (only WebAssembly compilation, for the engine kernels) and no remote origin anywhere', () => {
    const csp = parseCsp(CONTENT_SECURITY_POLICY);
    expect(csp.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    for (const [name, sources] of csp) {
      for (const source of sources) {
        if (name === 'script-src' && source === "'wasm-unsafe-eval'") continue;
        expect(source, `${name} ${source}`).not.toMatch(/unsafe-eval|\*|https?:|wss?:/);
        if (name !== 'style-src') expect(source, `${name} ${source}`).not.toBe("'unsafe-inline'");
      }
    }
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
  });

  it('in development adds only the dev server (and its HMR websocket)', () => {
    const dev = parseCsp(devContentSecurityPolicy('http://localhost:5173'));
    expect(dev.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'", "'unsafe-inline'", 'http://localhost:5173']);
    expect(dev.get('connect-src')).toEqual(["'self'", 'http://localhost:5173', 'ws://localhost:5173']);
    expect(dev.get('object-src')).toEqual(["'none'"]);
  });
});

describe('response headers', () => {
  it('make the renderer cross-origin isolated (COOP same-origin + COEP require-corp)', () => {
    const headers = securityHeaders();
    expect(headers['Cross-Origin-Opener-Policy']).toBe('same-origin');
    expect(headers['Cross-Origin-Embedder-Policy']).toBe('require-corp');
    expect(headers['Content-Security-Policy']).toBe(CONTENT_SECURITY_POLICY);
  });

  it('replace a server-sent policy whatever the header case, and keep other headers', () => {
    const merged = withSecurityHeaders({
      'content-security-policy': ["default-src *; script-src 'unsafe-eval'"],
      'Content-Type': 'text/html',
      'cross-origin-embedder-policy': 'unsafe-none',
    });
    const names = Object.keys(merged).map((n) => n.toLowerCase());
    expect(names.filter((n) => n === 'content-security-policy')).toHaveLength(1);
    expect(names.filter((n) => n === 'cross-origin-embedder-policy')).toHaveLength(1);
    expect(merged['Content-Security-Policy']).toEqual([CONTENT_SECURITY_POLICY]);
    expect(merged['Cross-Origin-Embedder-Policy']).toEqual(['require-corp']);
    expect(merged['Content-Type']).toEqual(['text/html']);
  });

  it('name our origin app://neurovis', () => {
    expect(APP_ORIGIN).toBe('app://neurovis');
  });
});
