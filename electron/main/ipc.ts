// The IPC surface of the main process: one handler per preload API call, each
// behind a check of who sent it (our window's main frame, on our origin) and
// of what was sent. Electron objects come in as parameters, so this runs in tests.
import type { Appearance, OpenedFiles, RecentFile, SaveResult, ThemeSource } from '../preload/api';
import { INVOKE, RENDERER_READY } from '../common/ipc-channels';
import type { InvokeChannel } from '../common/ipc-channels';
import { isThemeSource } from './preferences';

/** What Electron's `WebFrameMain` offers that we check. */
export interface FrameLike {
  readonly url: string;
  readonly parent: FrameLike | null;
  readonly processId: number;
  readonly routingId: number;
}

/** The fields of an `IpcMainInvokeEvent` / `IpcMainEvent` we check. */
export interface IpcEventLike {
  readonly sender: { readonly id: number };
  readonly senderFrame: FrameLike | null;
}

/** Our window as the check needs it; null while there is no window. */
export interface TrustedTarget {
  webContentsId: number;
  mainFrame: FrameLike;
}

/** `scheme://host` of a URL; `URL.origin` is "null" for custom schemes, so built by hand. */
export function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.host ? `${u.protocol}//${u.host}` : null;
  } catch {
    return null;
  }
}

/**
 * True only for a message from the top frame of our window's web contents,
 * showing a page of one of `allowedOrigins` (app://neurovis, or the dev server).
 */
export function isTrustedSender(event: IpcEventLike, target: TrustedTarget | null, allowedOrigins: readonly string[]): boolean {
  if (!target) return false;
  const frame = event.senderFrame;
  if (!frame) return false; // the frame navigated away or was destroyed
  if (event.sender.id !== target.webContentsId) return false;
  if (frame.parent !== null) return false;
  if (frame.processId !== target.mainFrame.processId || frame.routingId !== target.mainFrame.routingId) return false;
  const origin = originOf(frame.url);
  return origin !== null && allowedOrigins.includes(origin);
}

export class UntrustedSenderError extends Error {
  constructor(channel: string) {
    super(`${channel}: refused, the message did not come from the Neurovis window`);
    this.name = 'UntrustedSenderError';
  }
}

export interface IpcHandlerDeps {
  /** The native open dialog; the chosen paths, or [] when cancelled. */
  chooseModelFiles(): Promise<string[]>;
  readModelFiles(paths: readonly unknown[]): Promise<OpenedFiles>;
  recent: {
    list(): Promise<RecentFile[]>;
    add(path: string): Promise<RecentFile[]>;
    has(path: string): Promise<boolean>;
    remove(path: string): Promise<RecentFile[]>;
    clear(): Promise<void>;
  };
  /** Tells the window (and the menu) the recent list changed. */
  recentChanged(recent: RecentFile[]): void;
  saveExport(request: unknown): Promise<SaveResult>;
  /** An export written as it is made (export-stream.ts). */
  exportStreams: {
    begin(folderName: unknown): Promise<number | null>;
    write(token: unknown, name: unknown, bytes: unknown, append: unknown): Promise<void>;
    finish(token: unknown): Promise<SaveResult>;
    abort(token: unknown): Promise<void>;
  };
  getAppearance(): Appearance;
  setTheme(source: ThemeSource): Promise<Appearance>;
}

type Handler = (...args: unknown[]) => Promise<unknown>;

const MAX_DROPPED_PATHS = 64;

/**
 * Reads files and, if the first requested file was read, puts it at the top of
 * the recent list (the list holds models, not their companions).
 */
export async function openAndRemember(deps: IpcHandlerDeps, paths: readonly unknown[]): Promise<OpenedFiles> {
  const opened = await deps.readModelFiles(paths);
  const first = opened.files[0];
  if (first && paths.includes(first.path)) deps.recentChanged(await deps.recent.add(first.path));
  return opened;
}

export function createIpcHandlers(deps: IpcHandlerDeps): Record<InvokeChannel, Handler> {
  return {
    [INVOKE.openModel]: async () => {
      const paths = await deps.chooseModelFiles();
      if (paths.length === 0) return { files: [], errors: [] } satisfies OpenedFiles;
      return openAndRemember(deps, paths);
    },
    [INVOKE.readDroppedFiles]: async (paths) => {
      if (!Array.isArray(paths) || paths.length === 0 || paths.length > MAX_DROPPED_PATHS || !paths.every((p) => typeof p === 'string')) {
        throw new TypeError(`readDroppedFiles: expected 1 to ${MAX_DROPPED_PATHS} file paths`);
      }
      return openAndRemember(deps, paths);
    },
    [INVOKE.saveExport]: (request) => deps.saveExport(request),
    [INVOKE.exportBegin]: (folderName) => deps.exportStreams.begin(folderName),
    [INVOKE.exportWrite]: (token, name, bytes, append) => deps.exportStreams.write(token, name, bytes, append),
    [INVOKE.exportFinish]: (token) => deps.exportStreams.finish(token),
    [INVOKE.exportAbort]: (token) => deps.exportStreams.abort(token),
    [INVOKE.recentList]: async () => {
      const list = await deps.recent.list();
      return list;
    },
    [INVOKE.recentOpen]: async (path) => {
      // Only paths on the list: the renderer cannot name arbitrary files here.
      if (typeof path !== 'string' || !(await deps.recent.has(path))) {
        throw new TypeError('recentFiles.open: not a file on the recent list');
      }
      const opened = await openAndRemember(deps, [path]);
      if (opened.files.length === 0) deps.recentChanged(await deps.recent.remove(path));
      return opened;
    },
    [INVOKE.recentClear]: async () => {
      await deps.recent.clear();
      deps.recentChanged([]);
    },
    [INVOKE.getAppearance]: async () => deps.getAppearance(),
    [INVOKE.setTheme]: async (source) => {
      if (!isThemeSource(source)) throw new TypeError('setTheme: expected "system", "light" or "dark"');
      return deps.setTheme(source);
    },
  };
}

/** The parts of `ipcMain` we use. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => unknown): void;
  on(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => void): void;
}

/**
 * Registers every handler behind the sender check. `onRendererReady` runs when
 * the renderer has a listener for opened files (see PendingQueue).
 */
export function registerIpcHandlers(
  ipcMain: IpcMainLike,
  handlers: Record<InvokeChannel, Handler>,
  trusted: (event: IpcEventLike) => boolean,
  onRendererReady: () => void,
): void {
  for (const [channel, handler] of Object.entries(handlers)) {
    ipcMain.handle(channel, (event, ...args) => {
      if (!trusted(event)) throw new UntrustedSenderError(channel);
      return handler(...args);
    });
  }
  ipcMain.on(RENDERER_READY, (event) => {
    if (trusted(event)) onRendererReady();
  });
}
