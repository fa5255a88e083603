// Issue 18: an export larger than the app holds at once is written into a folder as it is
// made (the File System Access API in a browser; here the page's origin-private folder stands
// in for the one the user would pick), a block of rows at a time: the same files as the CLI's.
// Where the browser cannot write a folder, such an export is refused with the reason, not held
// in memory.
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { decodeNpy } from '../../workers/formats/numpy/npy';
import { example, openApp, openExample, pageErrors, waitForAllLayers } from './app-helpers';
import { cliGallery, expectSameFiles } from './cli-export';

const spec = example('linear-mlp');
const ROW_BYTES = 28 * 28 * 4;
let work: string;
let out: string;

test.beforeAll(async () => {
  ({ work, out } = await cliGallery(spec, 'neurovis-e2e-export-stream-'));
});

test.afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * The app holding 4 rows of an export at once (106 neurons: 332 kB of x*). Its row cache keeps
 * every row here: a row computed again on its own can differ from the gallery's in the last
 * float bit (dense2 is reversed through dense1 in the gallery), and these files are compared byte for byte.
 */
async function openSmall(page: Page, folders: boolean, cachedRows?: number): Promise<void> {
  await page.addInitScript((canWrite) => {
    if (!canWrite) {
      delete (Window.prototype as { showDirectoryPicker?: unknown }).showDirectoryPicker;
      delete (window as { showDirectoryPicker?: unknown }).showDirectoryPicker;
    } else {
      // The folder the user would pick: the page's origin-private file system.
      (window as unknown as { showDirectoryPicker: () => Promise<FileSystemDirectoryHandle> }).showDirectoryPicker = () => navigator.storage.getDirectory();
    }
  }, folders);
  await openApp(page);
  await page.evaluate(
    ([rowBytes, rows]) => {
      localStorage.setItem('neurovis.exportHoldBytes', String(12 * rowBytes));
      if (rows !== undefined) localStorage.setItem('neurovis.rowCacheBytes', String(rows * rowBytes));
    },
    [ROW_BYTES, cachedRows] as const,
  );
  await page.reload();
  await expect(page.getByTestId('start-screen')).toBeVisible();
  await openExample(page, 'linear-mlp');
  await waitForAllLayers(page);
}

/** The files the export wrote into `folder` of the page's origin-private file system. */
async function writtenFiles(page: Page, folder: string): Promise<Map<string, Uint8Array>> {
  const written = await page.evaluate(async (name) => {
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(name);
    const files: Record<string, number[]> = {};
    for await (const [file, handle] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemFileHandle]> }).entries()) files[file] = Array.from(new Uint8Array(await (await handle.getFile()).arrayBuffer()));
    return files;
  }, folder);
  return new Map(Object.entries(written).map(([n, b]) => [n, new Uint8Array(b)]));
}

test('a whole-model export past what the app holds is written into a folder as it goes: the same files as the CLI', async ({ page }) => {
  const errors = pageErrors(page);
  await openSmall(page, true);
  await page.getByTestId('toolbar-export').click();
  await page.getByTestId('export-scope-model').check();
  await page.getByTestId('export-start').click();
  await expect(page.getByTestId('export-saved')).toBeVisible({ timeout: 60_000 });
  await page.screenshot({ path: join(tmpdir(), 'neurovis-export-streamed.png') });
  const folder = `${spec.name}-export`;
  const appFiles = await writtenFiles(page, folder);
  const pngs = expectSameFiles(appFiles, out);
  expect(pngs).toBe(3 + 64 + 32 + 10);
  const manifest = JSON.parse(new TextDecoder().decode(appFiles.get('manifest.json')!));
  expect(manifest.layers).toEqual(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).layers);
  expect(errors).toEqual([]);
});

test('a streamed export computes again the rows the cache let go: the engine\'s x* in every .npy', async ({ page }) => {
  const errors = pageErrors(page);
  // Room for 10 of the 106 rows: most of the export's rows are computed again, a block at a time.
  await openSmall(page, true, 10);
  await page.getByTestId('toolbar-export').click();
  await page.getByTestId('export-scope-model').check();
  await page.getByTestId('export-format-png').uncheck();
  await page.getByTestId('export-format-svg').uncheck();
  await page.getByTestId('export-start').click();
  await expect(page.getByTestId('export-saved')).toBeVisible({ timeout: 60_000 });
  const appFiles = await writtenFiles(page, `${spec.name}-export`);
  expect([...appFiles.keys()].sort()).toEqual(['dense1.npy', 'dense2.npy', 'dense3.npy', 'manifest.json']);
  for (const layer of ['dense1', 'dense2', 'dense3']) {
    const app = decodeNpy(appFiles.get(`${layer}.npy`)!, layer);
    const cli = decodeNpy(new Uint8Array(readFileSync(join(out, `${layer}.npy`))), layer);
    expect(app.shape).toEqual(cli.shape);
    // Computed again alone (not through the layer below, as in the gallery): equal up to float rounding.
    const scale = Math.max(...Array.from(cli.data, Math.abs));
    const worst = Math.max(...Array.from(app.data, (v, i) => Math.abs(v - cli.data[i])));
    expect(worst / scale, layer).toBeLessThan(1e-5);
  }
  expect(errors).toEqual([]);
});

test('where the browser cannot write a folder, an export past what the app holds is refused with the reason', async ({ page }) => {
  const errors = pageErrors(page);
  await openSmall(page, false);
  await page.getByTestId('toolbar-export').click();
  await page.getByTestId('export-scope-model').check();
  let downloads = 0;
  page.on('download', () => downloads++);
  await page.getByTestId('export-start').click();
  const error = page.getByTestId('export-error');
  await expect(error).toContainText('This export needs the x* of 106 neurons (325 kB), more than the app holds at once (37 kB)');
  await expect(error).toContainText('Chrome or Edge');
  await page.screenshot({ path: join(tmpdir(), 'neurovis-export-refused.png') });
  expect(downloads).toBe(0);
  expect(errors).toEqual([]);
});
