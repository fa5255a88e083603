// The renderer under the Electron app's own protocol handler and headers, in
// Debian's Chromium: the built app is served by createAppProtocolHandler (the
// function behind app://neurovis), so its CSP and cross-origin isolation
// headers are exactly the desktop app's. This runs where Electron cannot.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { createAppProtocolHandler } from '../../electron/main/app-protocol';
import { CONTENT_SECURITY_POLICY } from '../../electron/common/csp';
import { APP_ORIGIN } from '../../electron/main/security';
import { ROOT, fixture } from './electron-harness';

/** The renderer build the Playwright web server makes (renderer/vite.config.ts); the same app electron-vite puts in out/renderer. */
const RENDERER_DIR = path.join(ROOT, 'dist/web');

let server: Server;
let origin: string;

test.beforeAll(async () => {
  test.skip(!existsSync(path.join(RENDERER_DIR, 'index.html')), `no renderer build in ${RENDERER_DIR}`);
  const handle = createAppProtocolHandler(RENDERER_DIR, (file) => readFile(file));
  server = createServer((req, res) => {
    void (async () => {
      const response = await handle(new Request(`${APP_ORIGIN}${req.url ?? '/'}`, { method: req.method ?? 'GET' }));
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

test.afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

/** Collects CSP violations (page and workers report them on the console) and page errors. */
function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    const text = message.text();
    if (/Content Security Policy|Refused to/i.test(text)) problems.push(`console: ${text}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  return problems;
}

async function dropFile(page: Page, file: string): Promise<void> {
  await page.evaluate(() => {
    const input = document.createElement('input');
    input.type = 'file';
    input.id = 'e2e-drop-source';
    input.style.display = 'none';
    document.body.append(input);
  });
  await page.setInputFiles('#e2e-drop-source', file);
  await page.evaluate(() => {
    const input = document.getElementById('e2e-drop-source') as HTMLInputElement;
    const data = new DataTransfer();
    for (const f of input.files!) data.items.add(f);
    const target = document.querySelector('.app')!;
    for (const type of ['dragenter', 'dragover', 'drop']) target.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
    input.remove();
  });
}

test.describe('renderer under the desktop app’s CSP and isolation headers', () => {
  test('starts cross-origin isolated with the app’s policy and no violation', async ({ page }) => {
    const problems = watchProblems(page);
    const response = await page.goto(`${origin}/index.html`);
    expect(response?.headers()['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    await expect(page.getByTestId('toolbar-open')).toBeVisible();
    expect(await page.evaluate(() => crossOriginIsolated && typeof SharedArrayBuffer === 'function')).toBe(true);
    expect(problems).toEqual([]);
  });

  test('computes a model’s galleries in workers without breaking the policy', async ({ page }) => {
    const problems = watchProblems(page);
    await page.goto(`${origin}/index.html`);
    await dropFile(page, fixture('modes', 'relu_cnn.onnx'));
    await expect(page.getByTestId('model-title')).toHaveText('relu_cnn.onnx');
    await expect(page.getByTestId('gallery').first()).toBeVisible();
    await expect(page.getByTestId('layer-item').first()).toBeVisible();
    expect(problems).toEqual([]);
  });

  test('blocks injected inline script and eval', async ({ page }) => {
    const problems = watchProblems(page);
    await page.goto(`${origin}/index.html`);
    await expect(page.getByTestId('toolbar-open')).toBeVisible();
    // Code evaluated through DevTools is exempt from CSP, so the test plants code the page itself would run.
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.__injected = 1';
      document.body.append(script);
      (setTimeout as (code: string, ms: number) => number)('window.__evaluated = 1', 0); // a string timer is eval
      const data = document.createElement('script');
      data.src = 'data:text/javascript,window.__fromData = 1';
      document.body.append(data);
    });
    await expect.poll(() => problems.filter((p) => /script-src/.test(p)).length).toBeGreaterThanOrEqual(3);
    const ran = await page.evaluate(() => {
      const w = window as { __injected?: number; __evaluated?: number; __fromData?: number };
      return [w.__injected, w.__evaluated, w.__fromData];
    });
    expect(ran).toEqual([undefined, undefined, undefined]);
  });
});
