import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENT, INVOKE, RENDERER_READY } from '../../electron/common/ipc-channels';
import type { EventChannel, InvokeChannel } from '../../electron/common/ipc-channels';
import { createNeurovisApi } from '../../electron/preload/create-api';
import type { PreloadCapabilities } from '../../electron/preload/create-api';

type Listener = (event: unknown, payload: unknown) => void;

function fakeIpc(pathFor: (file: File) => string = (f) => `/dropped/${f.name}`) {
  const invoked: { channel: InvokeChannel; args: unknown[] }[] = [];
  const sent: string[] = [];
  const listeners = new Map<EventChannel, Set<Listener>>();
  const ipc: PreloadCapabilities = {
    invoke: async (channel, ...args) => {
      invoked.push({ channel, args });
      if (channel === INVOKE.readDroppedFiles) {
        return { files: (args[0] as string[]).map((p) => ({ name: p.split('/').pop(), path: p, bytes: new Uint8Array([1]) })), errors: [] };
      }
      return undefined;
    },
    on: (channel, listener) => {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(listener);
    },
    removeListener: (channel, listener) => listeners.get(channel)?.delete(listener),
    send: (channel) => sent.push(channel),
    getPathForFile: pathFor,
    platform: 'linux',
  };
  const emit = (channel: EventChannel, payload: unknown) => {
    const ipcEvent = { sender: { send: () => 'the raw ipcRenderer' } };
    for (const l of listeners.get(channel) ?? []) l(ipcEvent, payload);
  };
  return { ipc, invoked, sent, listeners, emit };
}

describe('the preload API (window.neurovis)', () => {
  it('exposes functions and plain values only, never ipcRenderer or channel names', () => {
    const { ipc } = fakeIpc();
    const api = createNeurovisApi(ipc);
    const keys = Object.keys(api).sort();
    expect(keys).toEqual([
      'exportFolder', 'getAppearance', 'kind', 'onAppearanceChanged', 'onFilesOpened', 'onMenuCommand', 'onRecentFilesChanged', 'onRendererRecovered',
      'openModel', 'platform', 'readDroppedFiles', 'recentFiles', 'saveExport', 'setTheme',
    ]);
    expect(Object.keys(api.recentFiles).sort()).toEqual(['clear', 'list', 'open']);
    expect(Object.keys(api.exportFolder).sort()).toEqual(['abort', 'begin', 'finish', 'write']);
    for (const value of Object.values(api)) expect(value).not.toBe(ipc);
    expect(JSON.stringify(api)).not.toContain('neurovis:');
  });

  it('turns dropped File objects into paths for the main process', async () => {
    const { ipc, invoked } = fakeIpc((f) => (f.name === 'pasted.png' ? '' : `/home/ada/${f.name}`));
    const api = createNeurovisApi(ipc);
    const files = [new File([new Uint8Array([1])], 'model.json'), new File([new Uint8Array([2])], 'pasted.png'), new File([], 'shard.bin')];
    const opened = await api.readDroppedFiles(files);
    expect(invoked).toEqual([{ channel: INVOKE.readDroppedFiles, args: [['/home/ada/model.json', '/home/ada/shard.bin']] }]);
    expect(opened.files.map((f) => f.path)).toEqual(['/home/ada/model.json', '/home/ada/shard.bin']);
    expect(opened.errors).toEqual([{ name: 'pasted.png', path: '', message: 'pasted.png: not a file on disk (drop files from a folder)' }]);
  });

  it('does not call the main process for a drop with no file on disk', async () => {
    const { ipc, invoked } = fakeIpc(() => '');
    const opened = await createNeurovisApi(ipc).readDroppedFiles([new File([], 'x.npy')]);
    expect(invoked).toEqual([]);
    expect(opened.files).toEqual([]);
    expect(opened.errors).toHaveLength(1);
  });

  it('hands listeners the payload, never the IPC event, and unsubscribes', () => {
    const { ipc, emit, listeners } = fakeIpc();
    const api = createNeurovisApi(ipc);
    const got: unknown[][] = [];
    const off = api.onMenuCommand((...args) => got.push(args));
    emit(EVENT.menuCommand, 'export');
    emit(EVENT.menuCommand, 'rm -rf'); // not a command: dropped
    expect(got).toEqual([['export']]);
    off();
    expect(listeners.get(EVENT.menuCommand)?.size).toBe(0);
    emit(EVENT.menuCommand, 'open');
    expect(got).toEqual([['export']]);
  });

  it('tells the main process once that a files-opened listener is ready', () => {
    const { ipc, sent, emit } = fakeIpc();
    const api = createNeurovisApi(ipc);
    expect(sent).toEqual([]);
    const events: unknown[] = [];
    api.onFilesOpened((e) => events.push(e));
    api.onFilesOpened(() => undefined);
    expect(sent).toEqual([RENDERER_READY]);
    emit(EVENT.filesOpened, { source: 'command-line', files: [], errors: [] });
    expect(events).toEqual([{ source: 'command-line', files: [], errors: [] }]);
  });

  it('sends each call to its channel with its arguments', async () => {
    const { ipc, invoked } = fakeIpc();
    const api = createNeurovisApi(ipc);
    await api.openModel();
    await api.saveExport({ kind: 'file', suggestedName: 'a.png', bytes: new Uint8Array([1]) });
    await api.recentFiles.list();
    await api.recentFiles.open('/m/a.onnx');
    await api.recentFiles.clear();
    await api.getAppearance();
    await api.setTheme('dark');
    expect(invoked.map((i) => [i.channel, i.args])).toEqual([
      [INVOKE.openModel, []],
      [INVOKE.saveExport, [{ kind: 'file', suggestedName: 'a.png', bytes: new Uint8Array([1]) }]],
      [INVOKE.recentList, []],
      [INVOKE.recentOpen, ['/m/a.onnx']],
      [INVOKE.recentClear, []],
      [INVOKE.getAppearance, []],
      [INVOKE.setTheme, ['dark']],
    ]);
  });

  it('keeps the shared contract file free of imports (the renderer imports its types)', () => {
    const source = readFileSync(path.join(import.meta.dirname, '../../electron/preload/api.ts'), 'utf8');
    expect(source).not.toMatch(/^\s*import\s/m);
    expect(source).not.toMatch(/require\(/);
  });
});
