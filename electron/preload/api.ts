// The contract between the Electron preload and the renderer: the only API the
// renderer can reach in Electron, exposed as `window.neurovis` by contextBridge.
// No Electron import here, so the renderer can import these types freely.

/** One file read from disk by the main process (validated: a regular file ≤ 2 GiB). */
export interface HostFile {
  /** Base name, e.g. `model.json`, `group1-shard1of2.bin`, `model.onnx.data`. */
  name: string;
  /** Absolute path on disk; shown to the user and kept in the recent list. */
  path: string;
  bytes: Uint8Array;
}

/** A file that could not be read; `message` is meant for the user. */
export interface HostFileError {
  name: string;
  path: string;
  message: string;
}

/**
 * Files handed to the renderer. `files[0]` is the file the user chose (or the
 * first one they dropped); the rest are its companions found beside it: TF.js
 * weight shards named in `model.json`, ONNX external data files, the `.npz`
 * sidecar of a `.neurovis.json`. Cancelling a dialog gives `{ files: [], errors: [] }`.
 */
export interface OpenedFiles {
  files: HostFile[];
  errors: HostFileError[];
}

/** Why files arrived without the renderer asking for them. */
export type OpenedFilesSource =
  | 'command-line' // argv of the first launch
  | 'second-instance' // argv of a later launch, handed to the running one
  | 'os-open-file' // macOS open-file (Finder, dock, file association)
  | 'recent' // File ▸ Open Recent in the native menu
  | 'link'; // a neurovis:// link (Copy link in the app)

export interface OpenedFilesEvent extends OpenedFiles {
  source: OpenedFilesSource;
  /** The neuron to show once the model is open (a neurovis:// link). */
  target?: { layer: string; neuron: number };
}

/** One file written by `saveExport`. `name` may not contain path separators. */
export interface ExportFile {
  name: string;
  bytes: Uint8Array;
}

export type ExportRequest =
  /** A save dialog for one file, e.g. a PNG sprite sheet or a single `.npy`. */
  | { kind: 'file'; suggestedName: string; bytes: Uint8Array; filters?: ExportFilter[] }
  /**
   * A folder dialog; the files are written into `folderName` created inside
   * the chosen folder (or straight into the chosen folder if `folderName` is
   * omitted). Existing files of the same name are replaced.
   */
  | { kind: 'folder'; folderName?: string; files: ExportFile[] };

export interface ExportFilter {
  name: string;
  /** Without dots: `['png']`. */
  extensions: string[];
}

export type SaveResult = { saved: false } | { saved: true; paths: string[] };

export interface RecentFile {
  path: string;
  name: string;
  /** ISO 8601. */
  openedAt: string;
}

export type ThemeSource = 'system' | 'light' | 'dark';

export interface Appearance {
  /** What the user chose. */
  themeSource: ThemeSource;
  /** What is in effect now (`system` resolved with the OS setting). */
  theme: 'light' | 'dark';
  /** The OS's preferred languages, best first, BCP 47 (e.g. `['zh-CN', 'en-US']`). */
  preferredLanguages: string[];
  /** The app's locale as Electron resolved it, e.g. `en-US`. */
  locale: string;
}

/**
 * Commands from the native menu that the renderer carries out. (Open Recent is
 * carried out by the main process and arrives through `onFilesOpened`.)
 */
export type MenuCommand =
  | 'open' // File ▸ Open… — the renderer calls `openModel()`
  | 'export' // File ▸ Export…
  | 'close-model' // File ▸ Close
  | 'toggle-theme'; // View ▸ Toggle Dark Theme — the renderer updates its setting and calls `setTheme`

export type Unsubscribe = () => void;

export interface NeurovisHostApi {
  /** Always 'electron' here; the browser host has its own implementation. */
  readonly kind: 'electron';
  /** `process.platform` of the main process: 'darwin', 'win32', 'linux' … */
  readonly platform: string;

  /** Native open dialog; reads the chosen file and its companions. Adds it to the recent list. */
  openModel(): Promise<OpenedFiles>;
  /**
   * Reads files dropped on the window (the preload turns the DOM `File`s into
   * paths with `webUtils.getPathForFile`; the main process validates each path
   * again). Companions beside a dropped model are added if not dropped too.
   */
  readDroppedFiles(files: readonly File[]): Promise<OpenedFiles>;
  /** Native save / folder dialog (remembers the last folder); writes to a temp name, then renames. */
  saveExport(request: ExportRequest): Promise<SaveResult>;
  /**
   * An export written as it is made (issue 18): `begin` asks for a folder (null: cancelled)
   * and the export goes into `folderName` inside it; `write` sends a file's bytes in chunks
   * (`append` false begins the file); `finish` puts the export in place, `abort` removes it.
   */
  exportFolder: {
    begin(folderName: string): Promise<number | null>;
    write(token: number, name: string, bytes: Uint8Array, append: boolean): Promise<void>;
    finish(token: number): Promise<SaveResult>;
    abort(token: number): Promise<void>;
  };

  recentFiles: {
    /** Most recent first; files that no longer exist are dropped from the list. */
    list(): Promise<RecentFile[]>;
    /** Reads a recent file and its companions (as `openModel` does). */
    open(path: string): Promise<OpenedFiles>;
    clear(): Promise<void>;
  };

  getAppearance(): Promise<Appearance>;
  /** Sets the native theme (window frame, menus, dialogs) and returns the new appearance. */
  setTheme(source: ThemeSource): Promise<Appearance>;

  /**
   * Files opened from outside the renderer (command line, second launch,
   * macOS open-file, Open Recent menu). The main process holds such files
   * until the first listener is registered, then delivers them in order —
   * so subscribe once the app can show a model.
   */
  onFilesOpened(listener: (event: OpenedFilesEvent) => void): Unsubscribe;
  onMenuCommand(listener: (command: MenuCommand) => void): Unsubscribe;
  /** The OS theme or the chosen theme source changed. */
  onAppearanceChanged(listener: (appearance: Appearance) => void): Unsubscribe;
  /** The recent list changed (opened a file, cleared from the menu). */
  onRecentFilesChanged(listener: (recent: RecentFile[]) => void): Unsubscribe;
  /** The page was reloaded after its renderer crashed: why (Electron's reason). */
  onRendererRecovered(listener: (reason: string) => void): Unsubscribe;
}

declare global {
  interface Window {
    /** Present only in Electron (see `electron/preload/index.ts`). */
    neurovis?: NeurovisHostApi;
  }
}
