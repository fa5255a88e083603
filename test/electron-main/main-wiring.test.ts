// electron/main/index.ts wired to a stand-in for the `electron` module: the
// window it opens, the headers and handlers it installs, and files from argv,
// macOS open-file and a second instance reaching the renderer once it listens.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { EVENT, INVOKE, RENDERER_READY } from '../../electron/common/ipc-channels';
import { CONTENT_SECURITY_POLICY } from '../../electron/common/csp';
import { secureWebPreferences } from '../../electron/main/security';
import type { OpenedFilesEvent, RecentFile } from '../../electron/preload/api';

const fake = vi.hoisted(() => {
  // vi.hoisted runs before the imports, so node:events is required here.
  const { EventEmitter: Emitter } = require('node:events') as typeof import('node:events');
  let releaseReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (releaseReady = resolve));
  const userData = { dir: '' };
  const app = Object.assign(new Emitter(), {
    isPackaged: false,
    ready: false,
    requestSingleInstanceLock: vi.fn(() => true),
    setAppUserModelId: vi.fn(),
    setPath: vi.fn(),
    getPath: (name: string) => (name === 'userData' ? userData.dir : `/home/test/${name}`),
    whenReady: () => ready,
    isReady: () => app.ready,
    getLocale: () => 'en-US',
    getPreferredSystemLanguages: () => ['en-US', 'zh-CN'],
    getVersion: () => '0.1.0',
    quit: vi.fn(),
    setAboutPanelOptions: vi.fn(),
    showAboutPanel: vi.fn(),
    addRecentDocument: vi.fn(),
    clearRecentDocuments: vi.fn(),
  });
  const windows: FakeWindow[] = [];
  class FakeWebContents extends Emitter {
    id = 11;
    mainFrame = { url: 'app://neurovis/index.html', parent: null, processId: 3, routingId: 1 };
    sent: [string, unknown][] = [];
    reloads = 0;
    windowOpenHandler: unknown;
    reload() {
      this.reloads++;
    }
    send(channel: string, payload: unknown) {
      this.sent.push([channel, payload]);
    }
    setWindowOpenHandler(handler: unknown) {
      this.windowOpenHandler = handler;
    }
  }
  class FakeWindow extends Emitter {
    webContents = new FakeWebContents();
    loaded: string[] = [];
    constructor(readonly options: Record<string, unknown>) {
      super();
      windows.push(this);
      app.emit('web-contents-created', {}, this.webContents);
    }
    static getAllWindows = () => windows;
    loadURL(url: string) {
      this.loaded.push(url);
      return Promise.resolve();
    }
    isDestroyed = () => false;
    isMinimized = () => false;
    restore = vi.fn();
    focus = vi.fn();
    show = vi.fn();
    maximize = vi.fn();
    setFullScreen = vi.fn();
    isMaximized = () => false;
    isFullScreen = () => false;
    getNormalBounds = () => ({ x: 0, y: 0, width: 1280, height: 800 });
  }
  const ipcHandles = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
  const ipcOns = new Map<string, (event: unknown, ...args: unknown[]) => void>();
  const electron = {
    app,
    BrowserWindow: FakeWindow,
    Menu: { setApplicationMenu: vi.fn(), buildFromTemplate: (t: unknown) => t },
    dialog: { showOpenDialog: vi.fn(), showSaveDialog: vi.fn() },
    ipcMain: {
      handle: (c: string, l: (event: unknown, ...args: unknown[]) => unknown) => ipcHandles.set(c, l),
      on: (c: string, l: (event: unknown, ...args: unknown[]) => void) => ipcOns.set(c, l),
    },
    nativeTheme: Object.assign(new Emitter(), { themeSource: 'system', shouldUseDarkColors: false }),
    protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
    screen: {
      getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }],
      getPrimaryDisplay: () => ({ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: vi.fn(),
        setPermissionCheckHandler: vi.fn(),
        webRequest: { onHeadersReceived: vi.fn() },
      },
    },
    shell: { openExternal: vi.fn() },
  };
  return { electron, windows, ipcHandles, ipcOns, releaseReady, userData };
});

vi.mock('electron', () => ({ ...fake.electron, default: fake.electron }));

const dir = mkdtempSync(path.join(tmpdir(), 'neurovis-wiring-'));
const files = { argv: path.join(dir, 'argv.npy'), openFile: path.join(dir, 'finder.onnx'), second: path.join(dir, 'second.h5') };
const window = () => fake.windows[0]!;
const filesOpened = () => window().webContents.sent.filter(([c]) => c === EVENT.filesOpened).map(([, p]) => p as OpenedFilesEvent);
const trusted = () => ({ sender: { id: 11 }, senderFrame: window().webContents.mainFrame });

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
}

beforeAll(async () => {
  for (const file of Object.values(files)) writeFileSync(file, new Uint8Array([1, 2, 3]));
  fake.userData.dir = path.join(dir, 'profile');
  process.argv = ['/usr/bin/electron', '--inspect=0', 'out/main/index.js', files.argv];
  (process as { defaultApp?: boolean }).defaultApp = true;
  await import('../../electron/main/index');
  // Finder opens a file before the app is ready.
  fake.electron.app.emit('open-file', { preventDefault: () => undefined }, files.openFile);
  fake.electron.app.ready = true;
  fake.releaseReady();
  await until(() => fake.windows.length === 1 && window().loaded.length === 1);
});

describe('the main process wiring', () => {
  it('takes the single-instance lock and registers app:// as privileged before ready', () => {
    expect(fake.electron.app.requestSingleInstanceLock).toHaveBeenCalledWith({ argv: process.argv, cwd: process.cwd() });
    expect(fake.electron.protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([
      expect.objectContaining({ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) }),
    ]);
  });

  it('opens one window with the secure preferences, loading app://neurovis', () => {
    expect(fake.windows).toHaveLength(1);
    const prefs = window().options['webPreferences'] as { preload: string };
    expect(prefs.preload.endsWith(path.join('preload', 'index.cjs'))).toBe(true);
    expect(prefs).toEqual(secureWebPreferences(prefs.preload));
    expect(window().loaded).toEqual(['app://neurovis/index.html']);
    expect(fake.electron.protocol.handle).toHaveBeenCalledWith('app', expect.any(Function));
  });

  it('sets the CSP and isolation headers on responses and denies permissions', () => {
    const onHeaders = fake.electron.session.defaultSession.webRequest.onHeadersReceived.mock.calls[0]![0] as (
      details: { responseHeaders: Record<string, string[]> },
      callback: (r: { responseHeaders: Record<string, string[]> }) => void,
    ) => void;
    let headers: Record<string, string[]> = {};
    onHeaders({ responseHeaders: { 'content-security-policy': ['default-src *'] } }, (r) => (headers = r.responseHeaders));
    expect(headers['Content-Security-Policy']).toEqual([CONTENT_SECURITY_POLICY]);
    expect(headers['Cross-Origin-Embedder-Policy']).toEqual(['require-corp']);
    expect(headers['content-security-policy']).toBeUndefined();
    const request = fake.electron.session.defaultSession.setPermissionRequestHandler.mock.calls[0]![0] as (w: unknown, p: string, cb: (g: boolean) => void) => void;
    let granted: boolean | undefined;
    request({}, 'media', (g) => (granted = g));
    expect(granted).toBe(false);
    expect(typeof window().webContents.windowOpenHandler).toBe('function');
  });

  it('registers every IPC channel and refuses a sender that is not our main frame', async () => {
    expect([...fake.ipcHandles.keys()].sort()).toEqual(Object.values(INVOKE).sort());
    const evil = { sender: { id: 11 }, senderFrame: { ...window().webContents.mainFrame, url: 'https://evil.example/' } };
    expect(() => fake.ipcHandles.get(INVOKE.recentList)!(evil)).toThrow('did not come from the Neurovis window');
    fake.ipcOns.get(RENDERER_READY)!(evil);
    await new Promise((r) => setTimeout(r, 20));
    expect(filesOpened()).toEqual([]);
  });

  it('holds argv and open-file until the renderer listens, then sends them in order', async () => {
    fake.ipcOns.get(RENDERER_READY)!(trusted());
    await until(() => filesOpened().length === 2);
    expect(filesOpened().map((e) => [e.source, e.files.map((f) => f.path), e.errors])).toEqual([
      ['command-line', [files.argv], []],
      ['os-open-file', [files.openFile], []],
    ]);
    expect([...filesOpened()[0]!.files[0]!.bytes]).toEqual([1, 2, 3]);
  });

  it('takes the files of a second launch, resolved against its working directory', async () => {
    fake.electron.app.emit('second-instance', {}, ['ignored'], '/elsewhere', { argv: ['/usr/bin/electron', 'out/main/index.js', 'second.h5'], cwd: dir });
    await until(() => filesOpened().length === 3);
    expect(filesOpened()[2]).toMatchObject({ source: 'second-instance', files: [{ path: files.second, name: 'second.h5' }] });
    expect(window().focus).toHaveBeenCalled();
  });

  it('keeps every opened model in the recent list, newest first, and tells the renderer', async () => {
    const recent = (await fake.ipcHandles.get(INVOKE.recentList)!(trusted())) as RecentFile[];
    expect(recent.map((r) => r.path)).toEqual([files.second, files.openFile, files.argv]);
    const changes = window().webContents.sent.filter(([c]) => c === EVENT.recentFilesChanged);
    expect(changes.length).toBe(3);
    expect(fake.electron.app.addRecentDocument).toHaveBeenLastCalledWith(files.second);
  });

  it('sends menu commands to the renderer', () => {
    const template = fake.electron.Menu.setApplicationMenu.mock.calls.at(-1)![0] as { id?: string; submenu?: { id?: string; click?: () => void }[] }[];
    template.find((m) => m.id === 'file')!.submenu!.find((i) => i.id === 'file-export')!.click!();
    expect(window().webContents.sent.at(-1)).toEqual([EVENT.menuCommand, 'export']);
  });

  it('sets the native theme from the renderer and remembers it', async () => {
    const appearance = await fake.ipcHandles.get(INVOKE.setTheme)!(trusted(), 'dark');
    expect(fake.electron.nativeTheme.themeSource).toBe('dark');
    expect(appearance).toMatchObject({ themeSource: 'dark', locale: 'en-US', preferredLanguages: ['en-US', 'zh-CN'] });
  });

  it('reloads the window when its renderer crashes, and tells the reloaded page once it listens', async () => {
    const contents = window().webContents;
    contents.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 11 });
    expect(contents.reloads).toBe(1);
    expect(contents.sent.filter(([c]) => c === EVENT.rendererRecovered)).toEqual([]);
    fake.ipcOns.get(RENDERER_READY)!(trusted());
    await until(() => contents.sent.some(([c]) => c === EVENT.rendererRecovered));
    expect(contents.sent.filter(([c]) => c === EVENT.rendererRecovered)).toEqual([[EVENT.rendererRecovered, 'crashed, exit code 11']]);
  });
});
