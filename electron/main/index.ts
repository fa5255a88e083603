// The Electron main process: wires the plain modules of this folder to
// Electron. Logic lives in those modules (tested in Node); this file only
// connects events, windows and dialogs.
import { BrowserWindow, Menu, app, dialog, ipcMain, nativeTheme, protocol, screen, session, shell } from 'electron';
import type { OpenDialogOptions, SaveDialogOptions } from 'electron';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MenuCommand, OpenedFilesEvent, RecentFile } from '../preload/api';
import { EVENT } from '../common/ipc-channels';
import { APP_SCHEME_PRIVILEGES, createAppProtocolHandler } from './app-protocol';
import { APP_ID, DOCUMENTATION_URL, MODEL_EXTENSIONS, MODEL_FILTER_NAME, PRODUCT_NAME } from './app-info';
import { appearanceOf } from './appearance';
import { filesFromArgv, linkFromArgv, parseNeurovisLink } from './argv';
import { denyAllPermissions, hardenWebContents, isExternalLink } from './guards';
import { createIpcHandlers, isTrustedSender, openAndRemember, originOf, registerIpcHandlers } from './ipc';
import type { IpcHandlerDeps, TrustedTarget } from './ipc';
import { buildMenuTemplate } from './menu';
import { readModelFiles } from './open-files';
import { OpenRequestRouter } from './open-requests';
import { PREFERENCES_NAME, PreferencesStore } from './preferences';
import { RECENT_FILES_NAME, RecentFilesStore } from './recent-files';
import { saveExport, type ExportDialogs, type ExportFolders } from './save-export';
import { ExportStreams } from './export-stream';
import { CONTENT_SECURITY_POLICY, devContentSecurityPolicy } from '../common/csp';
import { APP_ENTRY_URL, APP_ORIGIN, APP_SCHEME, secureWebPreferences, withSecurityHeaders } from './security';
import { WINDOW_DEFAULTS, WINDOW_STATE_NAME, WindowStateStore, fitWindowState } from './window-state';
import type { WindowState } from './window-state';
import { RendererRecovery } from './renderer-recovery';

const here = path.dirname(fileURLToPath(import.meta.url));
const PRELOAD_PATH = path.join(here, '../preload/index.cjs');
const RENDERER_DIR = path.join(here, '../renderer');
/** Set by `electron-vite dev`: the renderer comes from Vite's dev server. */
const DEV_SERVER_URL = !app.isPackaged ? process.env['ELECTRON_RENDERER_URL'] : undefined;
const DEV_ORIGIN = DEV_SERVER_URL ? originOf(DEV_SERVER_URL) : null;
const ALLOWED_ORIGINS = DEV_ORIGIN ? [DEV_ORIGIN] : [APP_ORIGIN];
const CSP = DEV_ORIGIN ? devContentSecurityPolicy(DEV_ORIGIN) : CONTENT_SECURITY_POLICY;

// Tests run the unpackaged app with a throwaway profile (and so their own single-instance lock).
const testUserData = !app.isPackaged ? process.env['NEUROVIS_USER_DATA_DIR'] : undefined;
if (testUserData && path.isAbsolute(testUserData)) app.setPath('userData', testUserData);

protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
app.setAppUserModelId(APP_ID);

// A second launch hands its files to this one and quits.
const gotLock = app.requestSingleInstanceLock({ argv: process.argv, cwd: process.cwd() });
if (!gotLock) {
  app.quit();
} else {
  start();
}

function start(): void {
  let mainWindow: BrowserWindow | null = null;
  let windowRecovery: RendererRecovery | undefined;
  let recentCache: RecentFile[] = [];
  const userData = app.getPath('userData');
  const recent = new RecentFilesStore(path.join(userData, RECENT_FILES_NAME));
  const preferences = new PreferencesStore(path.join(userData, PREFERENCES_NAME));
  const windowState = new WindowStateStore(path.join(userData, WINDOW_STATE_NAME));

  const send = (channel: string, payload: unknown) => {
    if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(channel, payload);
  };
  const focusWindow = () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  };
  const appearance = () => appearanceOf(nativeTheme, app.getLocale(), app.getPreferredSystemLanguages());
  const exportDialogs: ExportDialogs = {
    showSaveDialog: (options) => {
      const o: SaveDialogOptions = { ...options, properties: ['createDirectory', 'showOverwriteConfirmation'] };
      return mainWindow ? dialog.showSaveDialog(mainWindow, o) : dialog.showSaveDialog(o);
    },
    showOpenFolderDialog: (options) => {
      const o: OpenDialogOptions = { ...options, title: 'Export into folder', properties: ['openDirectory', 'createDirectory'] };
      return mainWindow ? dialog.showOpenDialog(mainWindow, o) : dialog.showOpenDialog(o);
    },
  };
  const exportFolders: ExportFolders = {
    lastFolder: async () => (await preferences.get()).lastExportFolder,
    remember: async (folder) => {
      await preferences.update({ lastExportFolder: folder });
    },
    fallbackFolder: app.getPath('documents'),
  };
  const exportStreams = new ExportStreams(exportDialogs, exportFolders);

  const deps: IpcHandlerDeps = {
    async chooseModelFiles() {
      const prefs = await preferences.get();
      const options: OpenDialogOptions = {
        title: 'Open a model',
        defaultPath: prefs.lastOpenFolder ?? app.getPath('documents'),
        properties: ['openFile', 'multiSelections'],
        filters: [
          { name: MODEL_FILTER_NAME, extensions: [...MODEL_EXTENSIONS] },
          { name: 'All files', extensions: ['*'] },
        ],
      };
      const result = mainWindow ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options);
      if (result.canceled || result.filePaths.length === 0) return [];
      await preferences.update({ lastOpenFolder: path.dirname(result.filePaths[0] as string) });
      return result.filePaths;
    },
    readModelFiles: (paths) => readModelFiles(paths),
    recent,
    recentChanged(list) {
      recentCache = list;
      rebuildMenu();
      send(EVENT.recentFilesChanged, list);
      if (list.length === 0) app.clearRecentDocuments();
      else if (list[0]) app.addRecentDocument(list[0].path);
    },
    saveExport: (request) => saveExport(request, exportDialogs, exportFolders),
    exportStreams,
    getAppearance: appearance,
    async setTheme(source) {
      nativeTheme.themeSource = source;
      await preferences.update({ themeSource: source });
      return appearance();
    },
  };

  const router = new OpenRequestRouter({
    read: (paths) => openAndRemember(deps, paths),
    deliver: (event: OpenedFilesEvent) => send(EVENT.filesOpened, event),
    focus: focusWindow,
  });

  // macOS delivers files opened from Finder through open-file, possibly before `ready`.
  app.on('open-file', (event, filePath) => {
    event.preventDefault();
    router.push({ source: 'os-open-file', paths: [filePath] });
    if (app.isReady() && !mainWindow) void createWindow();
  });

  /** A neurovis:// link: the model it names, then the neuron. */
  const pushLink = (link: ReturnType<typeof parseNeurovisLink>): void => {
    if (link) router.push({ source: 'link', paths: [link.path], target: { layer: link.layer, neuron: link.neuron } });
  };
  // macOS hands links to the running app; Windows and Linux start the app with the link on the command line.
  app.on('open-url', (event, url) => {
    event.preventDefault();
    pushLink(parseNeurovisLink(url));
    if (app.isReady() && !mainWindow) void createWindow();
  });
  if (!process.defaultApp) app.setAsDefaultProtocolClient('neurovis');

  app.on('second-instance', (_event, argv, workingDirectory, additionalData) => {
    const data = additionalData as { argv?: unknown; cwd?: unknown } | undefined;
    const theirArgv = Array.isArray(data?.argv) && data.argv.every((a) => typeof a === 'string') ? (data.argv as string[]) : argv;
    const theirCwd = typeof data?.cwd === 'string' ? data.cwd : workingDirectory;
    router.push({ source: 'second-instance', paths: filesFromArgv(theirArgv, { defaultApp: Boolean(process.defaultApp), cwd: theirCwd }) });
    pushLink(linkFromArgv(theirArgv));
    if (mainWindow) focusWindow();
    else if (app.isReady()) void createWindow();
  });

  router.push({ source: 'command-line', paths: filesFromArgv(process.argv, { defaultApp: Boolean(process.defaultApp), cwd: process.cwd() }) });
  pushLink(linkFromArgv(process.argv));

  // With no window (macOS, all closed) a command has nobody to carry it out: bring the window back instead.
  const menuCommand = (command: MenuCommand) => {
    if (mainWindow) send(EVENT.menuCommand, command);
    else void createWindow();
  };

  function rebuildMenu(): void {
    const template = buildMenuTemplate({
      platform: process.platform,
      appName: PRODUCT_NAME,
      recent: recentCache,
      development: !app.isPackaged,
      locale: app.getLocale(),
      actions: {
        command: menuCommand,
        openRecent: (filePath) => {
          router.push({ source: 'recent', paths: [filePath] });
          if (!mainWindow) void createWindow();
        },
        clearRecent: () => {
          void recent.clear().then(() => deps.recentChanged([]));
        },
        showAbout: () => app.showAboutPanel(),
        openDocumentation: () => {
          if (isExternalLink(DOCUMENTATION_URL)) void shell.openExternal(DOCUMENTATION_URL);
        },
      },
    });
    Menu.setApplicationMenu(Menu.buildFromTemplate(template));
  }

  async function createWindow(): Promise<void> {
    const displays = screen.getAllDisplays().map((d) => d.workArea);
    const state = fitWindowState(await windowState.load(), displays, screen.getPrimaryDisplay().workArea);
    const window = new BrowserWindow({
      ...state.bounds,
      minWidth: WINDOW_DEFAULTS.minWidth,
      minHeight: WINDOW_DEFAULTS.minHeight,
      show: false,
      title: PRODUCT_NAME,
      // The renderer's --bg (renderer/src/styles.css), so the window does not flash before it paints.
      backgroundColor: nativeTheme.shouldUseDarkColors ? '#0d1117' : '#f6f8fa',
      webPreferences: secureWebPreferences(PRELOAD_PATH),
    });
    mainWindow = window;
    if (state.maximized) window.maximize();
    if (state.fullScreen) window.setFullScreen(true);
    window.once('ready-to-show', () => window.show());

    let saveTimer: NodeJS.Timeout | undefined;
    const currentState = (): WindowState => ({
      bounds: window.getNormalBounds(),
      maximized: window.isMaximized(),
      fullScreen: window.isFullScreen(),
    });
    const saveSoon = () => {
      clearTimeout(saveTimer);
      saveTimer = setTimeout(() => void windowState.save(currentState()).catch(() => undefined), 500);
    };
    for (const event of ['resize', 'move', 'maximize', 'unmaximize', 'enter-full-screen', 'leave-full-screen'] as const) {
      window.on(event as 'resize', saveSoon);
    }
    window.on('close', () => {
      clearTimeout(saveTimer);
      void windowState.save(currentState()).catch(() => undefined);
    });
    window.on('closed', () => {
      router.rendererGone();
      void exportStreams.abortAll();
      if (mainWindow === window) mainWindow = null;
    });
    // A reload starts a new page whose preload announces itself again.
    // An export under way from the page that went is taken back (its staging folder removed).
    window.webContents.on('did-start-loading', () => {
      router.rendererGone();
      void exportStreams.abortAll();
    });
    const recovery = new RendererRecovery(window);
    windowRecovery = recovery;
    window.webContents.on('render-process-gone', (_event, details) => {
      router.rendererGone();
      void exportStreams.abortAll();
      recovery.gone(details);
    });

    if (DEV_SERVER_URL) await window.loadURL(DEV_SERVER_URL);
    else await window.loadURL(APP_ENTRY_URL);
  }

  app.on('web-contents-created', (_event, contents) => {
    hardenWebContents(contents, (url) => void shell.openExternal(url));
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) void createWindow();
  });

  void app.whenReady().then(async () => {
    const prefs = await preferences.get();
    nativeTheme.themeSource = prefs.themeSource;
    nativeTheme.on('updated', () => send(EVENT.appearanceChanged, appearance()));
    app.setAboutPanelOptions({
      applicationName: PRODUCT_NAME,
      applicationVersion: app.getVersion(),
      copyright: 'MIT License',
      website: DOCUMENTATION_URL,
    });

    denyAllPermissions(session.defaultSession);
    session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
      callback({ responseHeaders: withSecurityHeaders(details.responseHeaders, CSP) });
    });
    protocol.handle(APP_SCHEME, createAppProtocolHandler(RENDERER_DIR, (file) => fs.readFile(file), CSP));

    const trustedTarget = (): TrustedTarget | null =>
      mainWindow && !mainWindow.isDestroyed()
        ? { webContentsId: mainWindow.webContents.id, mainFrame: mainWindow.webContents.mainFrame }
        : null;
    registerIpcHandlers(
      ipcMain,
      createIpcHandlers(deps),
      (event) => isTrustedSender(event, trustedTarget(), ALLOWED_ORIGINS),
      () => {
        router.rendererReady();
        windowRecovery?.ready();
      },
    );

    recentCache = await recent.list();
    rebuildMenu();
    await createWindow();
  });
}
