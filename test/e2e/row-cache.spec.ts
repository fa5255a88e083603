// Bounded memory in the app (issue 18): the gallery draws from the rows it kept for thumbnails,
// full rows live in a small LRU, and a neuron whose row was let go is computed again (on a
// worker of its own) with the same values and pixels, for the detail view and for the export.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { expect, test, type Page } from '@playwright/test';
import { unzipSync } from 'fflate';
import { decodeNpy } from '../../workers/formats/numpy/npy';
import { APP_RADIUS, detailValues, engineResult, example, focusLayer, openApp, openExample, pageErrors, waitForAllLayers } from './app-helpers';

const NEURON = { kind: 'neuron' } as const;
const ROW_BYTES = 28 * 28 * 4;

/** The app with room for `rows` full rows of a 28×28 input. */
async function openWithRowCache(page: Page, rows: number): Promise<void> {
  await openApp(page);
  await page.evaluate((bytes) => localStorage.setItem('neurovis.rowCacheBytes', String(bytes)), rows * ROW_BYTES);
  await page.reload();
  await expect(page.getByTestId('start-screen')).toBeVisible();
}

async function openNeuron(page: Page, layer: string, neuron: number): Promise<void> {
  if (await page.getByTestId('neuron-detail').isVisible()) await page.getByTestId('back').click();
  await focusLayer(page, layer);
  for (let i = 0; i < neuron; i++) await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Enter');
  const detail = page.getByTestId('neuron-detail');
  await expect(detail).toHaveAttribute('data-layer', layer);
  await expect(detail).toHaveAttribute('data-neuron', String(neuron));
  await expect(page.getByTestId('detail-chart')).toBeVisible({ timeout: 30_000 });
}

/** The detail picture's canvas pixels, once two reads a moment apart agree (drawing has settled). */
async function detailPixels(page: Page): Promise<string> {
  const read = (): Promise<string> => page.locator('[data-testid=detail-chart] canvas').first().evaluate((c) => (c as HTMLCanvasElement).toDataURL());
  let last = '';
  await expect.poll(async () => {
    const now = await read();
    const same = now === last;
    last = now;
    return same;
  }).toBe(true);
  return last;
}

test('a neuron whose full row was let go shows the same values and pixels when opened again', async ({ page }) => {
  const errors = pageErrors(page);
  await openWithRowCache(page, 4);
  await openExample(page, 'small-convnet');
  await waitForAllLayers(page);
  // The gallery is drawn from the kept rows, full rows or not.
  for (const layer of ['conv1', 'conv2', 'logits']) {
    await focusLayer(page, layer);
    const header = page.locator(`[data-testid=gallery-header][data-layer="${layer}"]`);
    await expect.poll(async () => Number(await header.getAttribute('data-drawn'))).toBeGreaterThan(0);
  }
  const workersBefore = page.workers().length;
  const truth = engineResult(example('small-convnet'), 'conv2', [3], { mode: 'surrogate', objective: NEURON, radius: APP_RADIUS });
  const check = async (): Promise<void> => {
    const values = await detailValues(page);
    expect(values).toHaveLength(28 * 28);
    for (const v of values) expect(Math.abs(v.value - truth.xstar[v.row * 28 + v.col])).toBeLessThan(1e-5);
  };
  await openNeuron(page, 'conv2', 3);
  await check();
  const first = await detailPixels(page);
  // Six other neurons' rows push it out of a cache of four.
  for (const n of [0, 1, 2, 4, 5, 6]) await openNeuron(page, 'conv1', n);
  // The rows were computed again on a worker of their own: at most four of them were still held after the run.
  expect(page.workers().length).toBeGreaterThan(workersBefore);
  await openNeuron(page, 'conv2', 3);
  await check();
  expect(await detailPixels(page)).toBe(first);
  expect(errors).toEqual([]);
});

test('a layer whose rows were let go exports the engine’s x*, computed again', async ({ page }) => {
  await openWithRowCache(page, 2);
  await openExample(page, 'small-convnet');
  await waitForAllLayers(page);
  await focusLayer(page, 'conv2');
  await page.getByTestId('toolbar-export').click();
  await page.getByTestId('export-scope-layer').check();
  for (const f of ['png', 'svg', 'json']) await page.getByTestId(`export-format-${f}`).uncheck();
  const downloading = page.waitForEvent('download');
  await page.getByTestId('export-start').click();
  const download = await downloading;
  const path = join(tmpdir(), `neurovis-row-cache-${process.pid}.npy`);
  await download.saveAs(path);
  const bytes = new Uint8Array(readFileSync(path));
  // Several files (the .npy and its manifest) come as a zip.
  const file = download.suggestedFilename().endsWith('.zip') ? Object.entries(unzipSync(bytes)).find(([name]) => name.endsWith('conv2.npy'))![1] : bytes;
  const npy = decodeNpy(file, 'conv2.npy');
  const neurons = Array.from({ length: 16 }, (_, i) => i);
  const truth = engineResult(example('small-convnet'), 'conv2', neurons, { mode: 'surrogate', objective: NEURON, radius: APP_RADIUS });
  expect(npy.shape).toEqual([16, 1, 28, 28]);
  const scale = Math.max(...Array.from(truth.xstar, Math.abs));
  const worst = Math.max(...Array.from(npy.data, (v, i) => Math.abs(v - truth.xstar[i])));
  expect(worst / scale).toBeLessThan(1e-5);
});

test('the row cache is set in Settings beside the memory budget; absurd sizes are refused with a message', async ({ browser }) => {
  for (const locale of ['en', 'zh-CN']) {
    const context = await browser.newContext({ locale });
    const page = await context.newPage();
    const errors = pageErrors(page);
    // A 4 GB device: a budget of 1 GB, so at most 512 MB of rows.
    await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'deviceMemory', { get: () => 4 }));
    await openApp(page);
    await openExample(page, 'linear-mlp');
    await waitForAllLayers(page);
    await page.getByTestId('open-settings').click();
    await expect(page.getByTestId('memory-budget')).toHaveText('1.0 GB');
    await expect(page.getByTestId('row-cache-used')).toContainText('128 MB');
    const field = page.getByTestId('setting-row-cache');
    for (const absurd of ['100000', '0', '-3']) {
      await field.fill(absurd);
      await field.press('Enter');
      await expect(page.getByTestId('setting-row-cache-error')).toContainText(locale === 'en' ? 'between 1 MB and 512 MB' : '1 MB 到 512 MB');
      expect(await page.evaluate(() => localStorage.getItem('neurovis.rowCacheBytes'))).toBeNull();
    }
    await page.getByTestId('setting-row-cache-error').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(tmpdir(), `neurovis-row-cache-setting-${locale}.png`) });
    await field.fill('5');
    await field.press('Enter');
    await expect(page.getByTestId('setting-row-cache-error')).toHaveCount(0);
    await expect(page.getByTestId('row-cache-used')).toContainText('5 MB');
    expect(await page.evaluate(() => localStorage.getItem('neurovis.rowCacheBytes'))).toBe(String(5 * 1024 ** 2));
    // Kept across a reload; empty goes back to the automatic share, and so does resetting every setting.
    await page.reload();
    await page.getByTestId('open-settings').click();
    await expect(page.getByTestId('setting-row-cache')).toHaveValue('5');
    await page.getByTestId('setting-row-cache').fill('');
    await page.getByTestId('setting-row-cache').press('Enter');
    await expect(page.getByTestId('row-cache-used')).toContainText('128 MB');
    expect(await page.evaluate(() => localStorage.getItem('neurovis.rowCacheBytes'))).toBeNull();
    await page.getByTestId('setting-row-cache').fill('7');
    await page.getByTestId('setting-row-cache').press('Enter');
    await expect(page.getByTestId('row-cache-used')).toContainText('7 MB');
    await page.getByTestId('settings-reset').click();
    await expect(page.getByTestId('row-cache-used')).toContainText('128 MB');
    await expect(page.getByTestId('setting-row-cache')).toHaveValue('');
    expect(await page.evaluate(() => localStorage.getItem('neurovis.rowCacheBytes'))).toBeNull();
    expect(errors).toEqual([]);
    await context.close();
  }
});
