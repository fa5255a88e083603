// The app's export in the browser build: the download (a zip) holds the same PNG pixels,
// .npy arrays and manifest as the CLI writes for the same model and settings; a cancelled
// export downloads nothing.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { unzipSync } from 'fflate';
import { decodeNpy } from '../../workers/formats/numpy/npy';
import { decodePng } from '../export/decode-png';
import { appRadius, engineResult, example, openApp, openExample, waitForAllLayers } from './app-helpers';
import { cliGallery, expectSameFiles } from './cli-export';

const spec = example('linear-mlp');
let work: string;
let out: string;

test.beforeAll(async () => {
  ({ work, out } = await cliGallery(spec, 'neurovis-e2e-export-'));
});

test.afterAll(() => rmSync(work, { recursive: true, force: true }));

test('exporting the current neuron downloads its PNG, the same pixels as the CLI\'s', async ({ page }) => {
  await openApp(page);
  await openExample(page, 'linear-mlp');
  await waitForAllLayers(page);
  await page.getByTestId('toolbar-export').click();
  await page.getByTestId('export-scope-neuron').check();
  await page.getByTestId('export-format-npy').uncheck();
  await page.getByTestId('export-format-svg').uncheck();
  const downloading = page.waitForEvent('download');
  await page.getByTestId('export-start').click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('dense1.neuron_0.png');
  const path = join(work, 'neuron.png');
  await download.saveAs(path);
  const app = decodePng(new Uint8Array(readFileSync(path)));
  const fromCli = decodePng(new Uint8Array(readFileSync(join(out, 'dense1', 'neuron_00.png'))));
  expect([app.width, app.height]).toEqual([56, 56]);
  expect(Buffer.compare(Buffer.from(app.data), Buffer.from(fromCli.data))).toBe(0);
});

test('exporting the whole model gives the same PNG pixels, .npy and manifest as the CLI', async ({ page }) => {

  await openApp(page);
  await openExample(page, 'linear-mlp');
  await waitForAllLayers(page);
  await page.getByTestId('toolbar-export').click();
  await expect(page.getByTestId('export-dialog')).toBeVisible();
  await page.getByTestId('export-scope-model').check();
  const downloading = page.waitForEvent('download');
  await page.getByTestId('export-start').click();
  const download = await downloading;
  await expect(page.getByTestId('export-saved')).toBeVisible();
  const zipPath = join(work, 'app.zip');
  await download.saveAs(zipPath);
  const zip = unzipSync(new Uint8Array(readFileSync(zipPath)));
  const folder = `${spec.name}-export`;
  const appFiles = new Map(Object.entries(zip).map(([name, bytes]) => [name.slice(folder.length + 1), bytes]));

  // The CLI's per-layer folders are flattened in the app: <layer>/neuron_K.png → <layer>.neuron_K.png.
  const pngs = expectSameFiles(appFiles, out);
  expect(pngs).toBe(3 + 64 + 32 + 10);
  // The arrays are the engine's, computed here independently of both.
  const dense3 = decodeNpy(appFiles.get('dense3.npy')!, 'dense3.npy');
  const truth = engineResult(spec, 'dense3', [...Array(10).keys()], { mode: 'exact', objective: { kind: 'neuron' }, radius: appRadius(spec) });
  // The gallery builds dense3 from dense2's reversals (a = W·A, one GEMM), the truth reverses it alone: equal up to float rounding.
  expect(dense3.data.length).toBe(truth.xstar.length);
  const scale = Math.max(...Array.from(truth.xstar, Math.abs));
  const worst = Math.max(...Array.from(dense3.data, (v, i) => Math.abs(v - truth.xstar[i])));
  expect(worst / scale).toBeLessThan(1e-5);
  const manifest = JSON.parse(new TextDecoder().decode(appFiles.get('manifest.json')!));
  const cliManifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  expect(manifest.layers).toEqual(cliManifest.layers);
});

test('exporting chosen layers writes only those layers', async ({ page }) => {
  await openApp(page);
  await openExample(page, 'linear-mlp');
  await waitForAllLayers(page);
  await page.getByTestId('toolbar-export').click();
  await page.getByTestId('export-scope-layers').check();
  await page.locator('[data-testid=export-layer][data-layer=dense3]').check();
  await page.getByTestId('export-format-svg').uncheck();
  const downloading = page.waitForEvent('download');
  await page.getByTestId('export-start').click();
  const download = await downloading;
  const path = join(work, 'chosen.zip');
  await download.saveAs(path);
  const names = Object.keys(unzipSync(new Uint8Array(readFileSync(path)))).map((n) => n.split('/')[1]);
  expect(names.sort()).toEqual(['dense3.npy', 'dense3.png', ...Array.from({ length: 10 }, (_, i) => `dense3.neuron_${i}.png`), 'manifest.json'].sort());
  const manifest = JSON.parse(new TextDecoder().decode(unzipSync(new Uint8Array(readFileSync(path)))[`${spec.name}-export/manifest.json`]));
  expect(manifest.layers.map((l: { id: string }) => l.id)).toEqual(['dense3']);
});

test('a cancelled export downloads nothing', async ({ page }) => {
  await openApp(page);
  await openExample(page, 'wide-4096');
  await waitForAllLayers(page);
  let downloads = 0;
  page.on('download', () => downloads++);
  await page.getByTestId('toolbar-export').click();
  await page.getByTestId('export-scope-model').check();
  for (const f of ['svg', 'npy', 'json']) await page.getByTestId(`export-format-${f}`).uncheck();
  await page.getByTestId('export-start').click();
  await expect(page.getByTestId('export-progress')).toBeVisible();
  await page.getByTestId('export-cancel').click();
  await expect(page.getByTestId('export-cancelled')).toBeVisible();
  // The dialog works again afterwards, and nothing was handed to the browser to save.
  await expect(page.getByTestId('export-start')).toBeEnabled();
  expect(downloads).toBe(0);
});
