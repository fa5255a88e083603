// Builds `window.neurovis` from the few preload capabilities it needs, passed
// in so the API can be tested without Electron. It never hands out
// ipcRenderer, IPC events or channel names: listeners get the payload only.
import { EVENT, INVOKE, RENDERER_READY } from '../common/ipc-channels';
import type { EventChannel, InvokeChannel } from '../common/ipc-channels';
import type {
  Appearance,
  ExportRequest,
  MenuCommand,
  NeurovisHostApi,
  OpenedFiles,
  OpenedFilesEvent,
  RecentFile,
  SaveResult,
  ThemeSource,
  Unsubscribe,
} from './api';

type IpcListener = (event: unknown, payload: unknown) => void;

export interface PreloadCapabilities {
  invoke(channel: InvokeChannel, ...args: unknown[]): Promise<unknown>;
  on(channel: EventChannel, listener: IpcListener): void;
  removeListener(channel: EventChannel, listener: IpcListener): void;
  send(channel: typeof RENDERER_READY): void;
  /** `webUtils.getPathForFile`: '' for a File that is not backed by a file on disk. */
  getPathForFile(file: File): string;
  platform: string;
}

const MENU_COMMANDS: readonly MenuCommand[] = ['open', 'export', 'close-model', 'toggle-theme'];

export function createNeurovisApi(ipc: PreloadCapabilities): NeurovisHostApi {
  let readySent = false;

  function subscribe<T>(channel: EventChannel, listener: (payload: T) => void, accept: (p: unknown) => boolean): Unsubscribe {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    const wrapped: IpcListener = (_event, payload) => {
      if (accept(payload)) listener(payload as T);
    };
    ipc.on(channel, wrapped);
    return () => ipc.removeListener(channel, wrapped);
  }

  const isObject = (p: unknown): boolean => typeof p === 'object' && p !== null;

  return {
    kind: 'electron',
    platform: ipc.platform,

    openModel: () => ipc.invoke(INVOKE.openModel) as Promise<OpenedFiles>,

    readDroppedFiles(files) {
      const paths: string[] = [];
      const errors: OpenedFiles['errors'] = [];
      for (const file of Array.from(files)) {
        const path = ipc.getPathForFile(file);
        if (path) paths.push(path);
        else errors.push({ name: file.name, path: '', message: `${file.name}: not a file on disk (drop files from a folder)` });
      }
      if (paths.length === 0) return Promise.resolve({ files: [], errors });
      return (ipc.invoke(INVOKE.readDroppedFiles, paths) as Promise<OpenedFiles>).then((opened) => ({
        files: opened.files,
        errors: [...errors, ...opened.errors],
      }));
    },

    saveExport: (request: ExportRequest) => ipc.invoke(INVOKE.saveExport, request) as Promise<SaveResult>,

    exportFolder: {
      begin: (folderName: string) => ipc.invoke(INVOKE.exportBegin, folderName) as Promise<number | null>,
      write: async (token: number, name: string, bytes: Uint8Array, append: boolean) => {
        await ipc.invoke(INVOKE.exportWrite, token, name, bytes, append);
      },
      finish: (token: number) => ipc.invoke(INVOKE.exportFinish, token) as Promise<SaveResult>,
      abort: async (token: number) => {
        await ipc.invoke(INVOKE.exportAbort, token);
      },
    },

    recentFiles: {
      list: () => ipc.invoke(INVOKE.recentList) as Promise<RecentFile[]>,
      open: (path: string) => ipc.invoke(INVOKE.recentOpen, path) as Promise<OpenedFiles>,
      clear: async () => {
        await ipc.invoke(INVOKE.recentClear);
      },
    },

    getAppearance: () => ipc.invoke(INVOKE.getAppearance) as Promise<Appearance>,
    setTheme: (source: ThemeSource) => ipc.invoke(INVOKE.setTheme, source) as Promise<Appearance>,

    onFilesOpened(listener) {
      const unsubscribe = subscribe<OpenedFilesEvent>(EVENT.filesOpened, listener, isObject);
      if (!readySent) {
        readySent = true;
        ipc.send(RENDERER_READY);
      }
      return unsubscribe;
    },
    onMenuCommand: (listener) =>
      subscribe<MenuCommand>(EVENT.menuCommand, listener, (p) => MENU_COMMANDS.includes(p as MenuCommand)),
    onAppearanceChanged: (listener) => subscribe<Appearance>(EVENT.appearanceChanged, listener, isObject),
    onRecentFilesChanged: (listener) => subscribe<RecentFile[]>(EVENT.recentFilesChanged, listener, Array.isArray),
    onRendererRecovered: (listener) => subscribe<string>(EVENT.rendererRecovered, listener, (p) => typeof p === 'string'),
  };
}
