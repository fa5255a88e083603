// The application menu as a template (data + click callbacks), built without
// Electron so its items, roles and accelerators can be tested.
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand, RecentFile } from '../preload/api';

export interface MenuActions {
  /** A command the renderer carries out (open dialog, export, close model, toggle theme). */
  command(command: MenuCommand): void;
  openRecent(path: string): void;
  clearRecent(): void;
  showAbout(): void;
  openDocumentation(): void;
}

export interface MenuOptions {
  platform: NodeJS.Platform;
  appName: string;
  recent: readonly RecentFile[];
  actions: MenuActions;
  /** Adds Reload and Developer Tools (unpackaged builds only). */
  development?: boolean;
  /** UI language: menus in Simplified Chinese for `zh*`, English otherwise. */
  locale?: string;
}

const LABELS = {
  en: {
    file: '&File', open: 'Open…', openRecent: 'Open Recent', noRecent: 'No Recent Files', clearRecent: 'Clear Recent',
    export: 'Export…', close: 'Close Model', quit: 'Quit', edit: '&Edit', view: '&View', toggleTheme: 'Toggle Dark Theme',
    window: 'Window', help: '&Help', about: 'About', documentation: 'Documentation',
  },
  zh: {
    file: '文件(&F)', open: '打开…', openRecent: '打开最近的文件', noRecent: '没有最近的文件', clearRecent: '清除最近的文件',
    export: '导出…', close: '关闭模型', quit: '退出', edit: '编辑(&E)', view: '视图(&V)', toggleTheme: '切换深色主题',
    window: '窗口', help: '帮助(&H)', about: '关于', documentation: '文档',
  },
} as const;

export type MenuLabels = (typeof LABELS)[keyof typeof LABELS];

function menuLabels(locale = 'en'): MenuLabels {
  return locale.toLowerCase().startsWith('zh') ? LABELS.zh : LABELS.en;
}

/** Underscores would become mnemonics on Windows/Linux and `&` is escaped the same way. */
function menuSafe(text: string): string {
  return text.replace(/&/g, '&&');
}

function recentSubmenu(recent: readonly RecentFile[], actions: MenuActions, labels: MenuLabels): MenuItemConstructorOptions[] {
  const items: MenuItemConstructorOptions[] = recent.map((file, index) => ({
    id: `recent-${index}`,
    label: menuSafe(file.name),
    sublabel: file.path,
    toolTip: file.path,
    click: () => actions.openRecent(file.path),
  }));
  if (items.length === 0) items.push({ id: 'recent-none', label: labels.noRecent, enabled: false });
  items.push({ type: 'separator' }, { id: 'recent-clear', label: labels.clearRecent, enabled: recent.length > 0, click: () => actions.clearRecent() });
  return items;
}

export function buildMenuTemplate(options: MenuOptions): MenuItemConstructorOptions[] {
  const { platform, appName, recent, actions } = options;
  const labels = menuLabels(options.locale);
  const mac = platform === 'darwin';

  const fileMenu: MenuItemConstructorOptions = {
    id: 'file',
    label: labels.file,
    submenu: [
      { id: 'file-open', label: labels.open, accelerator: 'CmdOrCtrl+O', click: () => actions.command('open') },
      { id: 'file-open-recent', label: labels.openRecent, submenu: recentSubmenu(recent, actions, labels) },
      { type: 'separator' },
      { id: 'file-export', label: labels.export, accelerator: 'CmdOrCtrl+E', click: () => actions.command('export') },
      { type: 'separator' },
      { id: 'file-close', label: labels.close, accelerator: 'CmdOrCtrl+W', click: () => actions.command('close-model') },
      ...(mac ? [] : [{ type: 'separator' } as const, { id: 'file-quit', label: labels.quit, role: 'quit', accelerator: 'Ctrl+Q' } as const]),
    ],
  };

  const editMenu: MenuItemConstructorOptions = {
    id: 'edit',
    label: labels.edit,
    submenu: [
      { role: 'undo' },
      { role: 'redo' },
      { type: 'separator' },
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      { role: 'selectAll' },
    ],
  };

  const viewMenu: MenuItemConstructorOptions = {
    id: 'view',
    label: labels.view,
    submenu: [
      ...(options.development ? [{ role: 'reload' } as const, { role: 'toggleDevTools' } as const, { type: 'separator' } as const] : []),
      { id: 'view-reset-zoom', role: 'resetZoom', accelerator: 'CmdOrCtrl+0' },
      { id: 'view-zoom-in', role: 'zoomIn', accelerator: 'CmdOrCtrl+=' },
      { id: 'view-zoom-out', role: 'zoomOut', accelerator: 'CmdOrCtrl+-' },
      { type: 'separator' },
      { id: 'view-full-screen', role: 'togglefullscreen', accelerator: mac ? 'Ctrl+Cmd+F' : 'F11' },
      { type: 'separator' },
      { id: 'view-toggle-theme', label: labels.toggleTheme, accelerator: 'CmdOrCtrl+Shift+D', click: () => actions.command('toggle-theme') },
    ],
  };

  const helpMenu: MenuItemConstructorOptions = {
    id: 'help',
    label: labels.help,
    role: 'help',
    submenu: [
      { id: 'help-documentation', label: labels.documentation, click: () => actions.openDocumentation() },
      ...(mac ? [] : [{ type: 'separator' } as const, { id: 'help-about', label: `${labels.about} ${appName}`, click: () => actions.showAbout() }]),
    ],
  };

  if (!mac) return [fileMenu, editMenu, viewMenu, helpMenu];

  const appMenu: MenuItemConstructorOptions = {
    id: 'app',
    label: appName,
    submenu: [
      { id: 'app-about', label: `${labels.about} ${appName}`, click: () => actions.showAbout() },
      { type: 'separator' },
      { role: 'services' },
      { type: 'separator' },
      { role: 'hide' },
      { role: 'hideOthers' },
      { role: 'unhide' },
      { type: 'separator' },
      { id: 'app-quit', role: 'quit', accelerator: 'Cmd+Q' },
    ],
  };
  const windowMenu: MenuItemConstructorOptions = {
    id: 'window',
    label: labels.window,
    role: 'window',
    submenu: [{ role: 'minimize' }, { role: 'zoom' }, { type: 'separator' }, { role: 'front' }],
  };
  return [appMenu, fileMenu, editMenu, viewMenu, windowMenu, helpMenu];
}
