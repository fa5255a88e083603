import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import type { MenuCommand, RecentFile } from '../../electron/preload/api';
import { buildMenuTemplate } from '../../electron/main/menu';
import type { MenuActions } from '../../electron/main/menu';

function recorder() {
  const log: string[] = [];
  const actions: MenuActions = {
    command: (c: MenuCommand) => log.push(`command:${c}`),
    openRecent: (p) => log.push(`recent:${p}`),
    clearRecent: () => log.push('clear'),
    showAbout: () => log.push('about'),
    openDocumentation: () => log.push('docs'),
  };
  return { log, actions };
}

/** Every item with an id, flattened, so tests can find them. */
function byId(template: MenuItemConstructorOptions[]): Map<string, MenuItemConstructorOptions> {
  const out = new Map<string, MenuItemConstructorOptions>();
  const walk = (items: MenuItemConstructorOptions[]) => {
    for (const item of items) {
      if (item.id) out.set(item.id, item);
      if (Array.isArray(item.submenu)) walk(item.submenu);
    }
  };
  walk(template);
  return out;
}

const click = (item: MenuItemConstructorOptions | undefined) => (item?.click as (() => void) | undefined)?.();
const recent: RecentFile[] = [
  { path: '/m/mnist.onnx', name: 'mnist.onnx', openedAt: '2025-01-01T00:00:00.000Z' },
  { path: '/m/R&D.h5', name: 'R&D.h5', openedAt: '2025-01-01T00:00:00.000Z' },
];

describe('application menu', () => {
  it('has File, Edit, View and Help on Windows and Linux, with Quit in File', () => {
    const { actions } = recorder();
    const template = buildMenuTemplate({ platform: 'win32', appName: 'Neurovis', recent, actions });
    expect(template.map((m) => m.id)).toEqual(['file', 'edit', 'view', 'help']);
    const items = byId(template);
    expect(items.get('file-quit')).toMatchObject({ role: 'quit', accelerator: 'Ctrl+Q' });
    expect(items.get('help-about')?.label).toBe('About Neurovis');
  });

  it('has the app menu and a Window menu on macOS, Quit and About in the app menu', () => {
    const { actions } = recorder();
    const template = buildMenuTemplate({ platform: 'darwin', appName: 'Neurovis', recent, actions });
    expect(template.map((m) => m.id)).toEqual(['app', 'file', 'edit', 'view', 'window', 'help']);
    const items = byId(template);
    expect(items.has('file-quit')).toBe(false);
    expect(items.get('app-quit')).toMatchObject({ role: 'quit', accelerator: 'Cmd+Q' });
    expect(items.get('view-full-screen')?.accelerator).toBe('Ctrl+Cmd+F');
  });

  it('uses the usual accelerators', () => {
    const { actions } = recorder();
    const items = byId(buildMenuTemplate({ platform: 'linux', appName: 'Neurovis', recent, actions }));
    const accelerators = Object.fromEntries([...items].filter(([, i]) => i.accelerator).map(([id, i]) => [id, i.accelerator]));
    expect(accelerators).toEqual({
      'file-open': 'CmdOrCtrl+O',
      'file-export': 'CmdOrCtrl+E',
      'file-close': 'CmdOrCtrl+W',
      'file-quit': 'Ctrl+Q',
      'view-reset-zoom': 'CmdOrCtrl+0',
      'view-zoom-in': 'CmdOrCtrl+=',
      'view-zoom-out': 'CmdOrCtrl+-',
      'view-full-screen': 'F11',
      'view-toggle-theme': 'CmdOrCtrl+Shift+D',
    });
    expect(items.get('view-zoom-in')?.role).toBe('zoomIn');
    expect(items.get('view-full-screen')?.role).toBe('togglefullscreen');
  });

  it('sends Open, Export, Close and Toggle Theme to the renderer, and runs About and Documentation', () => {
    const { log, actions } = recorder();
    const items = byId(buildMenuTemplate({ platform: 'linux', appName: 'Neurovis', recent, actions }));
    for (const id of ['file-open', 'file-export', 'file-close', 'view-toggle-theme', 'help-about', 'help-documentation']) click(items.get(id));
    expect(log).toEqual(['command:open', 'command:export', 'command:close-model', 'command:toggle-theme', 'about', 'docs']);
  });

  it('lists recent files (ampersands escaped) that open by path, and clears them', () => {
    const { log, actions } = recorder();
    const items = byId(buildMenuTemplate({ platform: 'linux', appName: 'Neurovis', recent, actions }));
    expect(items.get('recent-0')).toMatchObject({ label: 'mnist.onnx', sublabel: '/m/mnist.onnx' });
    expect(items.get('recent-1')?.label).toBe('R&&D.h5');
    click(items.get('recent-1'));
    click(items.get('recent-clear'));
    expect(log).toEqual(['recent:/m/R&D.h5', 'clear']);
  });

  it('shows a disabled placeholder when there are no recent files', () => {
    const { actions } = recorder();
    const items = byId(buildMenuTemplate({ platform: 'linux', appName: 'Neurovis', recent: [], actions }));
    expect(items.get('recent-none')?.enabled).toBe(false);
    expect(items.get('recent-clear')?.enabled).toBe(false);
  });

  it('adds Reload and DevTools only in development', () => {
    const { actions } = recorder();
    const roles = (development: boolean) =>
      (buildMenuTemplate({ platform: 'linux', appName: 'Neurovis', recent, actions, development })[2]?.submenu as MenuItemConstructorOptions[]).map((i) => i.role);
    expect(roles(false)).not.toContain('toggleDevTools');
    expect(roles(true)).toEqual(expect.arrayContaining(['reload', 'toggleDevTools']));
  });

  it('speaks Simplified Chinese for a zh locale', () => {
    const { actions } = recorder();
    const items = byId(buildMenuTemplate({ platform: 'win32', appName: 'Neurovis', recent, actions, locale: 'zh-CN' }));
    expect(items.get('file')?.label).toBe('文件(&F)');
    expect(items.get('file-open')?.label).toBe('打开…');
    expect(items.get('file-export')?.label).toBe('导出…');
  });
});
