import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appearanceOf } from '../../electron/main/appearance';
import { denyAllPermissions, hardenWebContents, isExternalLink } from '../../electron/main/guards';
import type { SessionLike, WebContentsLike } from '../../electron/main/guards';
import { writeFileAtomic } from '../../electron/main/json-store';
import { PreferencesStore, parsePreferences } from '../../electron/main/preferences';

function fakeContents() {
  const handlers = new Map<string, (event: { preventDefault(): void }) => void>();
  let openHandler: ((d: { url: string }) => { action: 'deny' }) | undefined;
  const contents: WebContentsLike = {
    setWindowOpenHandler: (h) => {
      openHandler = h;
    },
    on: (name, listener) => handlers.set(name, listener),
  };
  const fire = (name: string) => {
    let prevented = false;
    handlers.get(name)?.({ preventDefault: () => (prevented = true) });
    return prevented;
  };
  return { contents, fire, open: (url: string) => openHandler!({ url }) };
}

describe('web contents guards', () => {
  it('deny every new window; only https links go to the system browser', () => {
    const opened: string[] = [];
    const { contents, open } = fakeContents();
    hardenWebContents(contents, (url) => opened.push(url));
    for (const url of ['https://onnx.ai/', 'http://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'app://neurovis/index.html', 'https://user:pw@example.com/']) {
      expect(open(url), url).toEqual({ action: 'deny' });
    }
    expect(opened).toEqual(['https://onnx.ai/']);
  });

  it('prevent navigation, redirects and <webview>', () => {
    const { contents, fire } = fakeContents();
    hardenWebContents(contents, () => undefined);
    expect(fire('will-navigate')).toBe(true);
    expect(fire('will-redirect')).toBe(true);
    expect(fire('will-attach-webview')).toBe(true);
  });

  it('deny every permission request and check', () => {
    let request: Parameters<SessionLike['setPermissionRequestHandler']>[0] = null;
    let check: Parameters<SessionLike['setPermissionCheckHandler']>[0] = null;
    denyAllPermissions({ setPermissionRequestHandler: (h) => (request = h), setPermissionCheckHandler: (h) => (check = h) });
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen']) {
      let granted: boolean | undefined;
      request!({}, permission, (g) => (granted = g));
      expect(granted, permission).toBe(false);
      expect(check!({}, permission), permission).toBe(false);
    }
    expect(isExternalLink('not a url')).toBe(false);
  });
});

describe('appearance and preferences', () => {
  it('resolve the theme and languages for the renderer', () => {
    expect(appearanceOf({ themeSource: 'system', shouldUseDarkColors: true }, 'zh-CN', ['zh-Hans-CN', 'en-US'])).toEqual({
      themeSource: 'system',
      theme: 'dark',
      preferredLanguages: ['zh-Hans-CN', 'en-US'],
      locale: 'zh-CN',
    });
    expect(appearanceOf({ themeSource: 'light', shouldUseDarkColors: false }, 'en-GB', []).preferredLanguages).toEqual(['en-GB']);
  });

  it('remember theme and folders, and ignore junk', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'neurovis-prefs-'));
    const store = new PreferencesStore(path.join(dir, 'preferences.json'));
    expect(await store.get()).toEqual({ themeSource: 'system' });
    await store.update({ themeSource: 'dark', lastExportFolder: '/home/ada/out' });
    expect(await new PreferencesStore(path.join(dir, 'preferences.json')).get()).toEqual({ themeSource: 'dark', lastExportFolder: '/home/ada/out' });
    expect(parsePreferences({ themeSource: 'neon', lastOpenFolder: 'relative', lastExportFolder: 3 })).toEqual({ themeSource: 'system' });
  });

  it('write files atomically without leaving temporaries', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'neurovis-atomic-'));
    await writeFileAtomic(path.join(dir, 'a.json'), '{"v":1}');
    await writeFileAtomic(path.join(dir, 'a.json'), '{"v":2}');
    expect(await readdir(dir)).toEqual(['a.json']);
    await expect(writeFileAtomic(path.join(dir, 'missing-folder', 'b.json'), 'x')).rejects.toThrow();
    expect(await readdir(dir)).toEqual(['a.json']);
  });
});
