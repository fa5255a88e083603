import { describe, expect, it } from 'vitest';
import type { Appearance, OpenedFiles, RecentFile } from '../../electron/preload/api';
import { INVOKE, RENDERER_READY } from '../../electron/common/ipc-channels';
import { createIpcHandlers, isTrustedSender, originOf, registerIpcHandlers, UntrustedSenderError } from '../../electron/main/ipc';
import type { FrameLike, IpcEventLike, IpcHandlerDeps, IpcMainLike, TrustedTarget } from '../../electron/main/ipc';

const mainFrame: FrameLike = { url: 'app://neurovis/index.html', parent: null, processId: 4, routingId: 1 };
const target: TrustedTarget = { webContentsId: 7, mainFrame };
const allowed = ['app://neurovis'];
const event = (frame: FrameLike | null, senderId = 7): IpcEventLike => ({ sender: { id: senderId }, senderFrame: frame });

describe('isTrustedSender', () => {
  it('accepts our window’s main frame on our origin', () => {
    expect(isTrustedSender(event({ ...mainFrame, url: 'app://neurovis/index.html#/model' }), target, allowed)).toBe(true);
  });

  it.each([
    ['no window', event(mainFrame), null],
    ['a destroyed frame', event(null), target],
    ['other web contents', event(mainFrame, 8), target],
    ['a subframe', event({ ...mainFrame, parent: mainFrame, routingId: 2 }), target],
    ['another frame of the process', event({ ...mainFrame, routingId: 3 }), target],
    ['a remote origin', event({ ...mainFrame, url: 'https://evil.example/' }), target],
    ['a file: URL', event({ ...mainFrame, url: 'file:///tmp/x.html' }), target],
    ['another app host', event({ ...mainFrame, url: 'app://other/index.html' }), target],
    ['about:blank', event({ ...mainFrame, url: 'about:blank' }), target],
  ])('refuses %s', (_label, e, t) => {
    expect(isTrustedSender(e, t, allowed)).toBe(false);
  });

  it('builds origins of custom schemes by hand (URL.origin is "null" for them)', () => {
    expect(new URL('app://neurovis/x').origin).toBe('null');
    expect(originOf('app://neurovis/x')).toBe('app://neurovis');
    expect(originOf('http://localhost:5173/')).toBe('http://localhost:5173');
    expect(originOf('about:blank')).toBeNull();
  });
});

function fakeDeps(overrides: Partial<IpcHandlerDeps> = {}) {
  const log: string[] = [];
  let recent: RecentFile[] = [{ path: '/m/listed.onnx', name: 'listed.onnx', openedAt: '2025-01-01T00:00:00.000Z' }];
  const appearance: Appearance = { themeSource: 'system', theme: 'light', preferredLanguages: ['en-US'], locale: 'en-US' };
  const deps: IpcHandlerDeps = {
    chooseModelFiles: async () => ['/m/chosen.onnx'],
    readModelFiles: async (paths): Promise<OpenedFiles> => {
      log.push(`read:${paths.join(',')}`);
      const files = (paths as string[]).filter((p) => !p.includes('gone')).map((p) => ({ name: p.split('/').pop()!, path: p, bytes: new Uint8Array([1]) }));
      if (files.length > 0 && paths[0] === '/m/chosen.onnx') files.push({ name: 'chosen.onnx.data', path: '/m/chosen.onnx.data', bytes: new Uint8Array([2]) });
      return { files, errors: [] };
    },
    recent: {
      list: async () => recent,
      add: async (p) => (recent = [{ path: p, name: p, openedAt: '' }, ...recent.filter((r) => r.path !== p)]),
      has: async (p) => recent.some((r) => r.path === p),
      remove: async (p) => (recent = recent.filter((r) => r.path !== p)),
      clear: async () => {
        recent = [];
      },
    },
    recentChanged: (list) => log.push(`changed:${list.map((r) => r.path).join(',')}`),
    saveExport: async () => ({ saved: false }),
    exportStreams: { begin: async () => null, write: async () => {}, finish: async () => ({ saved: false }), abort: async () => {} },
    getAppearance: () => appearance,
    setTheme: async (source) => ({ ...appearance, themeSource: source, theme: source === 'dark' ? 'dark' : 'light' }),
    ...overrides,
  };
  return { deps, log };
}

describe('IPC handlers', () => {
  it('open a model through the dialog, read its companions and remember it', async () => {
    const { deps, log } = fakeDeps();
    const opened = (await createIpcHandlers(deps)[INVOKE.openModel]()) as OpenedFiles;
    expect(opened.files.map((f) => f.name)).toEqual(['chosen.onnx', 'chosen.onnx.data']);
    expect(log).toEqual(['read:/m/chosen.onnx', 'changed:/m/chosen.onnx,/m/listed.onnx']);
  });

  it('answer an empty result when the dialog is cancelled', async () => {
    const { deps, log } = fakeDeps({ chooseModelFiles: async () => [] });
    expect(await createIpcHandlers(deps)[INVOKE.openModel]()).toEqual({ files: [], errors: [] });
    expect(log).toEqual([]);
  });

  it('check dropped paths before reading them', async () => {
    const { deps } = fakeDeps();
    const handlers = createIpcHandlers(deps);
    for (const bad of [undefined, 'path', [], [1], Array.from({ length: 65 }, () => '/x')]) {
      await expect(handlers[INVOKE.readDroppedFiles](bad)).rejects.toThrow('readDroppedFiles: expected 1 to 64 file paths');
    }
    const opened = (await handlers[INVOKE.readDroppedFiles](['/m/a.npy', '/m/b.npy'])) as OpenedFiles;
    expect(opened.files.map((f) => f.path)).toEqual(['/m/a.npy', '/m/b.npy']);
  });

  it('open only files on the recent list, and drop a listed file that is gone', async () => {
    const { deps, log } = fakeDeps();
    const handlers = createIpcHandlers(deps);
    await expect(handlers[INVOKE.recentOpen]('/etc/passwd')).rejects.toThrow('not a file on the recent list');
    await expect(handlers[INVOKE.recentOpen](['/m/listed.onnx'])).rejects.toThrow('not a file on the recent list');
    expect(((await handlers[INVOKE.recentOpen]('/m/listed.onnx')) as OpenedFiles).files).toHaveLength(1);

    await deps.recent.add('/m/gone.onnx');
    const gone = (await handlers[INVOKE.recentOpen]('/m/gone.onnx')) as OpenedFiles;
    expect(gone.files).toEqual([]);
    expect(await deps.recent.has('/m/gone.onnx')).toBe(false);
    expect(log.at(-1)).toBe('changed:/m/listed.onnx');
  });

  it('accept only the three theme sources', async () => {
    const { deps } = fakeDeps();
    const handlers = createIpcHandlers(deps);
    expect(((await handlers[INVOKE.setTheme]('dark')) as Appearance).theme).toBe('dark');
    await expect(handlers[INVOKE.setTheme]('neon')).rejects.toThrow('setTheme: expected "system", "light" or "dark"');
  });

  it('clear the recent list and say so', async () => {
    const { deps, log } = fakeDeps();
    await createIpcHandlers(deps)[INVOKE.recentClear]();
    expect(await deps.recent.list()).toEqual([]);
    expect(log).toEqual(['changed:']);
  });
});

describe('registerIpcHandlers', () => {
  function fakeIpcMain() {
    const handles = new Map<string, (event: IpcEventLike, ...args: unknown[]) => unknown>();
    const ons = new Map<string, (event: IpcEventLike, ...args: unknown[]) => void>();
    const ipcMain: IpcMainLike = {
      handle: (channel, listener) => handles.set(channel, listener),
      on: (channel, listener) => ons.set(channel, listener),
    };
    return { ipcMain, handles, ons };
  }

  it('registers every channel behind the sender check', async () => {
    const { deps } = fakeDeps();
    const { ipcMain, handles, ons } = fakeIpcMain();
    let ready = 0;
    registerIpcHandlers(ipcMain, createIpcHandlers(deps), (e) => isTrustedSender(e, target, allowed), () => ready++);
    expect([...handles.keys()].sort()).toEqual(Object.values(INVOKE).sort());

    const good = event(mainFrame);
    const evil = event({ ...mainFrame, url: 'https://evil.example/' });
    for (const channel of Object.values(INVOKE)) {
      expect(() => handles.get(channel)!(evil), channel).toThrow(UntrustedSenderError);
    }
    expect(await handles.get(INVOKE.recentList)!(good)).toHaveLength(1);

    ons.get(RENDERER_READY)!(evil);
    expect(ready).toBe(0);
    ons.get(RENDERER_READY)!(good);
    expect(ready).toBe(1);
  });
});
