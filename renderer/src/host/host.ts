/**
 * The one interface through which the renderer reaches the OS (DESIGN.md §3): an Electron
 * implementation over the preload API and a browser one (file input, drag-and-drop, downloads).
 */
import type { ExportRequest, MenuCommand, SaveResult, ThemeSource } from '../../../electron/preload/api';
import { errorMessage } from '../../../workers/engine/graph';
import type { FileSink } from '../../../workers/export/stream-export';

export type { ExportRequest, ExportFile, ExportFilter, MenuCommand, SaveResult, ThemeSource } from '../../../electron/preload/api';

/** One file of a model, with its bytes (what the pool's load() takes). */
export interface ModelFile {
  readonly name: string;
  readonly bytes: Uint8Array;
  /** Where it came from, when the host knows (Electron: the absolute path). */
  readonly path?: string;
}

/** Files the user chose or dropped; files that could not be read are listed with the reason. */
export interface OpenedModel {
  /** The neuron to show once it is open (a neurovis:// link in the desktop app). */
  readonly target?: { readonly layer: string; readonly neuron: number };
  readonly files: readonly ModelFile[];
  readonly errors: readonly { readonly name: string; readonly message: string }[];
}

export interface RecentModel {
  /** What to hand back to openRecent(): a path in Electron, a stored key in the browser. */
  readonly key: string;
  readonly name: string;
  /** ISO 8601. */
  readonly openedAt: string;
}

export interface HostAppearance {
  /** The OS (or Electron's resolved) theme. */
  readonly theme: 'light' | 'dark';
  /** The OS's preferred languages, best first. */
  readonly languages: readonly string[];
}

export type Unsubscribe = () => void;

export interface Host {
  readonly kind: 'electron' | 'browser';
  /** Asks the user for a model file; null when they cancel. */
  openModel(): Promise<OpenedModel | null>;
  /** Reads the files of a drop on the window. */
  readDrop(data: DataTransfer): Promise<OpenedModel>;
  /** Remembers a model the user opened (the browser keeps small models' bytes to reopen them). */
  rememberModel(opened: OpenedModel): Promise<void>;
  recentModels(): Promise<RecentModel[]>;
  openRecent(key: string): Promise<OpenedModel>;
  clearRecent(): Promise<void>;
  /** Saves an export: a native dialog in Electron, a download (a zip for folders) in the browser. */
  save(request: ExportRequest): Promise<SaveResult>;
  /**
   * Asks for a folder and writes an export into `folderName` inside it file by file, as it is
   * made (issue 18); null when the user cancels. Absent where the host cannot (a browser
   * without the File System Access API): a big export is then refused, not held in memory.
   */
  openExportFolder?(folderName: string): Promise<ExportFolder | null>;
  appearance(): Promise<HostAppearance>;
  /** Tells the OS side which theme the user chose (Electron: native frame and menus). */
  setTheme(source: ThemeSource): Promise<void>;
  onAppearanceChanged(listener: (appearance: HostAppearance) => void): Unsubscribe;
  /** Files opened from outside the renderer (command line, Finder, Open Recent menu). */
  onFilesOpened(listener: (opened: OpenedModel) => void): Unsubscribe;
  onMenuCommand(listener: (command: MenuCommand) => void): Unsubscribe;
  onRecentChanged(listener: () => void): Unsubscribe;
  /** Electron: the page was reloaded after the renderer crashed (why); the browser has no such event. */
  onRendererRecovered?(listener: (reason: string) => void): Unsubscribe;
}

/** A folder an export is being written into: finish() makes the export final, abort() takes back what was written. */
export interface ExportFolder extends FileSink {
  finish(): Promise<SaveResult>;
  abort(): Promise<void>;
}

/** Reads DOM File objects into model files, in the order given. */
export async function readDomFiles(files: readonly File[]): Promise<OpenedModel> {
  const read: ModelFile[] = [];
  const errors: { name: string; message: string }[] = [];
  for (const file of files) {
    try {
      read.push({ name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) });
    } catch (e) {
      errors.push({ name: file.name, message: errorMessage(e) });
    }
  }
  return { files: read, errors };
}
