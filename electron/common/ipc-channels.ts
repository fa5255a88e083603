// IPC channel names shared by the main process and the preload. The renderer
// never sees them: it only gets the functions of `window.neurovis`.

/** Renderer → main, request/response (`ipcRenderer.invoke` / `ipcMain.handle`). */
export const INVOKE = {
  openModel: 'neurovis:open-model',
  readDroppedFiles: 'neurovis:read-dropped-files',
  saveExport: 'neurovis:save-export',
  exportBegin: 'neurovis:export-begin',
  exportWrite: 'neurovis:export-write',
  exportFinish: 'neurovis:export-finish',
  exportAbort: 'neurovis:export-abort',
  recentList: 'neurovis:recent-list',
  recentOpen: 'neurovis:recent-open',
  recentClear: 'neurovis:recent-clear',
  getAppearance: 'neurovis:get-appearance',
  setTheme: 'neurovis:set-theme',
} as const;

/** Renderer → main, one way: a listener for files opened from the OS is in place. */
export const RENDERER_READY = 'neurovis:renderer-ready';

/** Main → renderer events (`webContents.send`). */
export const EVENT = {
  filesOpened: 'neurovis:files-opened',
  menuCommand: 'neurovis:menu-command',
  appearanceChanged: 'neurovis:appearance-changed',
  recentFilesChanged: 'neurovis:recent-files-changed',
  /** The renderer crashed and the window was reloaded: why (a notice in the new page). */
  rendererRecovered: 'neurovis:renderer-recovered',
} as const;

export type InvokeChannel = (typeof INVOKE)[keyof typeof INVOKE];
export type EventChannel = (typeof EVENT)[keyof typeof EVENT];
