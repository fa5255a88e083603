// The desktop app end to end, in Electron itself: launch, a model from the
// command line, a dropped file, an export, a second launch. Where the Electron
// binary is missing (this machine cannot download it) every test reports itself
// skipped with the reason.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';
import type { ElectronApplication, Page } from '@playwright/test';
import { CONTENT_SECURITY_POLICY } from '../../electron/common/csp';
import { MAIN_ENTRY, ROOT, electronAvailability, ensureBuilt, fixture, freshUserData } from './electron-harness';

const availability = electronAvailability();
const skipReason = 'skipReason' in availability ? availability.skipReason : undefined;

test.describe('Electron app', () => {
  test.skip(skipReason !== undefined, skipReason ?? '');
  test.describe.configure({ mode: 'serial' });

  test.beforeAll(() => {
    ensureBuilt();
  });

  async function launch(files: string[] = [], userData = freshUserData()): Promise<{ app: ElectronApplication; page: Page; userData: string }> {
    const executablePath = 'executablePath' in availability ? availability.executablePath : '';
    const app = await electron.launch({
      executablePath,
      args: [MAIN_ENTRY, ...files],
      cwd: ROOT,
      env: { ...process.env, NEUROVIS_USER_DATA_DIR: userData },
    });
    const page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
    return { app, page, userData };
  }

  test('launches one window without Node in the page, cross-origin isolated, under the app CSP', async () => {
    const { app, page } = await launch();
    try {
      expect(app.windows()).toHaveLength(1);
      // The preferences themselves are asserted in test/electron-main/security.test.ts; here, their effects.
      expect(await app.evaluate(({ webContents }) => webContents.getAllWebContents().length)).toBe(1);

      expect(page.url()).toBe('app://neurovis/index.html');
      const inPage = await page.evaluate(async () => {
        // DevTools-evaluated code is exempt from CSP: plant a string timer (eval) the page itself runs.
        (setTimeout as (code: string, ms: number) => number)('window.__evaluated = 1', 0);
        await new Promise((resolve) => setTimeout(resolve, 100));
        const evalBlocked = (window as { __evaluated?: number }).__evaluated === undefined;
        const response = await fetch(location.href);
        return {
          isolated: crossOriginIsolated,
          requireType: typeof (globalThis as { require?: unknown }).require,
          processType: typeof (globalThis as { process?: unknown }).process,
          apiKeys: Object.keys(window.neurovis ?? {}).sort(),
          evalBlocked,
          csp: response.headers.get('content-security-policy'),
          coep: response.headers.get('cross-origin-embedder-policy'),
        };
      });
      expect(inPage).toEqual({
        isolated: true,
        requireType: 'undefined',
        processType: 'undefined',
        apiKeys: ['exportFolder', 'getAppearance', 'kind', 'onAppearanceChanged', 'onFilesOpened', 'onMenuCommand', 'onRecentFilesChanged', 'openModel', 'platform', 'readDroppedFiles', 'recentFiles', 'saveExport', 'setTheme'],
        evalBlocked: true,
        csp: CONTENT_SECURITY_POLICY,
        coep: 'require-corp',
      });

      // No new windows, no navigation away.
      expect(await page.evaluate(() => window.open('https://example.com/') === null)).toBe(true);
      await page.evaluate(() => {
        location.href = 'https://example.com/';
      });
      await expect(page.getByTestId('toolbar-open')).toBeVisible();
      expect(page.url()).toBe('app://neurovis/index.html');
      expect(app.windows()).toHaveLength(1);
    } finally {
      await app.close();
    }
  });

  test('opens a model named on the command line and remembers it', async () => {
    const model = fixture('modes', 'relu_mlp.onnx');
    const { app, page } = await launch([model]);
    try {
      await expect(page.getByTestId('model-title')).toHaveText('relu_mlp.onnx');
      await expect(page.getByTestId('gallery').first()).toBeVisible();
      const recent = await page.evaluate(() => window.neurovis!.recentFiles.list());
      expect(recent.map((r) => r.path)).toEqual([model]);
    } finally {
      await app.close();
    }
  });

  test('reads a dropped file through webUtils.getPathForFile and the main process', async () => {
    const { app, page } = await launch();
    try {
      // A file input gives File objects backed by a path on disk, as a drop from the desktop does.
      await page.evaluate(() => {
        const input = document.createElement('input');
        input.type = 'file';
        input.id = 'e2e-drop-source';
        input.style.display = 'none';
        document.body.append(input);
      });
      await page.setInputFiles('#e2e-drop-source', fixture('modes', 'relu_cnn.onnx'));
      await page.evaluate(() => {
        const input = document.getElementById('e2e-drop-source') as HTMLInputElement;
        const data = new DataTransfer();
        for (const file of input.files!) data.items.add(file);
        const target = document.querySelector('.app')!;
        for (const type of ['dragenter', 'dragover', 'drop']) target.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
      });
      await expect(page.getByTestId('model-title')).toHaveText('relu_cnn.onnx');
      await expect(page.getByTestId('gallery').first()).toBeVisible();
    } finally {
      await app.close();
    }
  });

  /** The app, its folder dialog answering with a new temporary folder. */
  async function launchExporting(): Promise<{ app: ElectronApplication; page: Page; target: string }> {
    const { app, page } = await launch();
    const target = mkdtempSync(path.join(tmpdir(), 'neurovis-e2e-export-'));
    await app.evaluate(({ dialog }, folder) => {
      dialog.showOpenDialog = (async () => ({ canceled: false, filePaths: [folder] })) as typeof dialog.showOpenDialog;
    }, target);
    return { app, page, target };
  }

  test('exports files into the folder chosen in the native dialog', async () => {
    const { app, page, target } = await launchExporting();
    try {
      const result = await page.evaluate(() =>
        window.neurovis!.saveExport({
          kind: 'folder',
          folderName: 'gallery',
          files: [
            { name: 'manifest.json', bytes: new TextEncoder().encode('{"layers":[]}') },
            { name: 'dense.npy', bytes: new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]) },
          ],
        }),
      );
      expect(result).toEqual({ saved: true, paths: [path.join(target, 'gallery', 'manifest.json'), path.join(target, 'gallery', 'dense.npy')] });
      expect(readdirSync(path.join(target, 'gallery')).sort()).toEqual(['dense.npy', 'manifest.json']);
      expect(readFileSync(path.join(target, 'gallery', 'manifest.json'), 'utf8')).toBe('{"layers":[]}');
    } finally {
      await app.close();
    }
  });

  test('streams an export into the folder chosen, in chunks, put in place when finished', async () => {
    const { app, page, target } = await launchExporting();
    try {
      const result = await page.evaluate(async () => {
        const api = window.neurovis!.exportFolder;
        const token = (await api.begin('gallery'))!;
        await api.write(token, 'dense.npy', new Uint8Array([1, 2, 3]), false);
        await api.write(token, 'dense.npy', new Uint8Array([4, 5]), true);
        return api.finish(token);
      });
      expect(result).toEqual({ saved: true, paths: [path.join(target, 'gallery', 'dense.npy')] });
      expect([...readFileSync(path.join(target, 'gallery', 'dense.npy'))]).toEqual([1, 2, 3, 4, 5]);
      expect(readdirSync(target)).toEqual(['gallery']);
    } finally {
      await app.close();
    }
  });

  test('a second launch hands its file to the first window and exits', async () => {
    const userData = freshUserData();
    const { app, page } = await launch([], userData);
    try {
      await expect(page.getByTestId('toolbar-open')).toBeVisible();
      const executablePath = 'executablePath' in availability ? availability.executablePath : '';
      const second = spawn(executablePath, [MAIN_ENTRY, fixture('modes', 'relu_mlp.onnx')], {
        cwd: ROOT,
        env: { ...process.env, NEUROVIS_USER_DATA_DIR: userData },
        stdio: 'ignore',
      });
      const exitCode = await new Promise<number | null>((resolve) => second.on('exit', resolve));
      expect(exitCode).toBe(0);
      await expect(page.getByTestId('model-title')).toHaveText('relu_mlp.onnx');
      expect(app.windows()).toHaveLength(1);
      expect(existsSync(path.join(userData, 'recent-files.json'))).toBe(true);
    } finally {
      await app.close();
    }
  });
});
