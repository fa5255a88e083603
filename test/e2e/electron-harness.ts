// Finds the Electron binary without triggering its download (requiring the
// `electron` package would try to fetch it from GitHub, unreachable here), and
// builds the app once for the Electron end-to-end tests.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const MAIN_ENTRY = path.join(ROOT, 'out/main/index.js');

export type ElectronAvailability = { executablePath: string } | { skipReason: string };

export function electronAvailability(): ElectronAvailability {
  const pkgDir = path.join(ROOT, 'node_modules/electron');
  if (!existsSync(path.join(pkgDir, 'package.json'))) return { skipReason: 'the electron package is not installed (node_modules/electron)' };
  const pathFile = path.join(pkgDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : undefined;
  const override = process.env['ELECTRON_OVERRIDE_DIST_PATH'];
  let executablePath: string | undefined;
  if (override) executablePath = path.join(override, relative ?? (process.platform === 'win32' ? 'electron.exe' : 'electron'));
  else if (relative) executablePath = path.join(pkgDir, 'dist', relative);
  if (!executablePath || !existsSync(executablePath)) {
    return {
      skipReason:
        `the Electron binary is missing (${executablePath ?? 'node_modules/electron/path.txt not written'}): ` +
        'Electron 45 downloads it from GitHub on first use, which this machine cannot reach. ' +
        'Run where `npx electron --version` works, or set ELECTRON_OVERRIDE_DIST_PATH.',
    };
  }
  if (process.platform === 'linux' && !process.env['DISPLAY'] && !process.env['WAYLAND_DISPLAY']) {
    return { skipReason: 'no display for Electron: run the tests under xvfb-run (e.g. `xvfb-run -a npx playwright test test/e2e/electron-app.spec.ts`)' };
  }
  return { executablePath };
}

/** Builds out/ with electron-vite (NEUROVIS_E2E_SKIP_BUILD=1 reuses an existing build). */
export function ensureBuilt(): void {
  if (process.env['NEUROVIS_E2E_SKIP_BUILD'] === '1' && existsSync(MAIN_ENTRY)) return;
  const result = spawnSync('npx', ['electron-vite', 'build'], { cwd: ROOT, stdio: 'inherit', timeout: 300_000 });
  if (result.status !== 0 || !existsSync(MAIN_ENTRY) || statSync(MAIN_ENTRY).size === 0) {
    throw new Error(`electron-vite build failed (status ${result.status})`);
  }
}

/** A fresh user-data folder per launch: its own recent list, window state and single-instance lock. */
export function freshUserData(): string {
  return mkdtempSync(path.join(tmpdir(), 'neurovis-e2e-profile-'));
}

export const fixture = (...parts: string[]) => path.join(ROOT, 'test/fixtures', ...parts);
