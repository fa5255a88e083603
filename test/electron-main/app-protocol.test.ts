import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { APP_SCHEME_PRIVILEGES, createAppProtocolHandler, mimeTypeFor, resolveAppUrl } from '../../electron/main/app-protocol';
import { CONTENT_SECURITY_POLICY } from '../../electron/common/csp';

let root: string;
let outside: string;

beforeAll(async () => {
  const base = await mkdtemp(path.join(tmpdir(), 'neurovis-protocol-'));
  root = path.join(base, 'renderer');
  outside = path.join(base, 'secret.txt');
  await mkdir(path.join(root, 'assets'), { recursive: true });
  await writeFile(path.join(root, 'index.html'), '<!doctype html><title>Neurovis</title>');
  await writeFile(path.join(root, 'assets', 'worker-abc.js'), 'self.onmessage = () => {};');
  await writeFile(path.join(root, 'assets', 'engine.wasm'), new Uint8Array([0, 0x61, 0x73, 0x6d]));
  await writeFile(outside, 'not for the renderer');
});

describe('resolveAppUrl', () => {
  it('maps app://neurovis paths into the renderer folder', () => {
    expect(resolveAppUrl('app://neurovis/index.html', root)).toBe(path.join(root, 'index.html'));
    expect(resolveAppUrl('app://neurovis/', root)).toBe(path.join(root, 'index.html'));
    expect(resolveAppUrl('app://neurovis/assets/worker-abc.js?x=1#y', root)).toBe(path.join(root, 'assets', 'worker-abc.js'));
    expect(resolveAppUrl('app://neurovis/assets/a%20b.js', root)).toBe(path.join(root, 'assets', 'a b.js'));
  });

  it('refuses anything that would leave the folder or is not ours', () => {
    for (const url of [
      'app://neurovis/../secret.txt',
      'app://neurovis/%2e%2e/secret.txt',
      'app://neurovis/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      'app://neurovis/..%5csecret.txt',
      'app://neurovis/%00index.html',
      'app://neurovis/%E0%A4%A',
      'app://other/index.html',
      'file:///etc/passwd',
      'https://neurovis/index.html',
      'not a url',
    ]) {
      const resolved = resolveAppUrl(url, root);
      expect(resolved === null || resolved.startsWith(root + path.sep), url).toBe(true);
      if (resolved !== null) expect(resolved, url).not.toBe(outside);
    }
    expect(resolveAppUrl('app://other/index.html', root)).toBeNull();
    // URL parsing removes dot segments first (%2e%2e included), so they cannot climb out.
    expect(resolveAppUrl('app://neurovis/%2e%2e/secret.txt', root)).toBe(path.join(root, 'secret.txt'));
  });
});

describe('the app:// protocol handler', () => {
  const handler = () => createAppProtocolHandler(root, (file) => readFile(file));

  it('serves files with their type and the security headers', async () => {
    const response = await handler()(new Request('app://neurovis/index.html'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(response.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(await response.text()).toBe('<!doctype html><title>Neurovis</title>');

    const worker = await handler()(new Request('app://neurovis/assets/worker-abc.js'));
    expect(worker.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(worker.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    const wasm = await handler()(new Request('app://neurovis/assets/engine.wasm'));
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
    expect(new Uint8Array(await wasm.arrayBuffer())).toEqual(new Uint8Array([0, 0x61, 0x73, 0x6d]));
  });

  it('answers 404 for missing or outside files and 405 for writes', async () => {
    expect((await handler()(new Request('app://neurovis/missing.js'))).status).toBe(404);
    expect((await handler()(new Request('app://neurovis/%2e%2e/secret.txt'))).status).toBe(404);
    const missing = await handler()(new Request('app://neurovis/missing.js'));
    expect(missing.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect((await handler()(new Request('app://neurovis/index.html', { method: 'POST', body: 'x' }))).status).toBe(405);
  });

  it('is registered as a standard, secure scheme that supports fetch', () => {
    expect(APP_SCHEME_PRIVILEGES.scheme).toBe('app');
    expect(APP_SCHEME_PRIVILEGES.privileges).toMatchObject({ standard: true, secure: true, supportFetchAPI: true });
    expect(mimeTypeFor('x.MJS')).toBe('text/javascript; charset=utf-8');
    expect(mimeTypeFor('x.unknown')).toBe('application/octet-stream');
  });
});
