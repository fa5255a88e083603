// Every view with real models (../shared/models: a MobileNet; the Teachable Machine fixture) at
// 1280 × 800 and 800 × 600: nothing pushed out of the window, screenshots to look at in the
// test's output folder.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { dropFiles, openApp, pageErrors, waitForAllLayers } from './app-helpers';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MOBILENET = path.resolve(ROOT, '../shared/models/tflite/coral_mobilenet_v1_0.25_128_uint8.tflite');
const TEACHABLE = path.resolve(ROOT, 'test/fixtures/tfjs/teachable_machine');
const MODELS = [
  { id: 'mobilenet', files: [MOBILENET], layer: null },
  { id: 'teachable', files: ['model.json', 'weights.bin', 'metadata.json'].map((n) => path.join(TEACHABLE, n)), layer: 'sequential_3/dense_Dense2' },
] as const;
const SIZES = [
  { width: 1280, height: 800 },
  { width: 800, height: 600 },
] as const;

async function shot(page: Page, name: string): Promise<void> {
  // Nothing wider than the window or than its view: long tensor names wrap or are cut.
  const views = '[data-testid=gallery], [data-testid=neuron-detail], [data-testid=compare-view], [data-testid=graph-view], [data-testid=weights-view], [data-testid=export-dialog]';
  const overflow = await page.evaluate((sel) => [...document.querySelectorAll(`.app, .toolbar, .app > *, ${sel}`)].filter((e) => e.scrollWidth > e.clientWidth + 1 || e.scrollLeft > 0).map((e) => e.getAttribute('data-testid') ?? e.className), views);
  expect(overflow, name).toEqual([]);
  await page.screenshot({ path: test.info().outputPath(`${name}.png`) });
}

for (const model of MODELS) {
  for (const size of SIZES) {
    test(`every view of the ${model.id} model is usable at ${size.width}x${size.height}`, async ({ browser }) => {
      test.skip(!model.files.every((f) => existsSync(f)), `${model.files[0]} is not here (the real models live beside the repository)`);
      const context = await browser.newContext({ viewport: size });
      const page = await context.newPage();
      const errors = pageErrors(page);
      await openApp(page, { compute: { mode: 'surrogate', objective: 'neuron', position: [0, 0], radius: 1, ascentSteps: 50, preview: 4 }, workers: 1 });
      await dropFiles(page, model.files.map((f) => ({ name: path.basename(f), bytes: new Uint8Array(readFileSync(f)) })));
      await waitForAllLayers(page);
      await page.locator('[data-testid=notice] [data-testid=dismiss]').evaluateAll((els) => els.forEach((e) => (e as HTMLElement).click()));
      await shot(page, `${model.id}-gallery-${size.width}`);

      const item = model.layer ? page.locator(`[data-testid=layer-item][data-layer="${model.layer}"] > button`) : page.locator('[data-testid=layer-item] > button').nth(1);
      await item.click();
      await page.getByTestId('gallery').focus();
      await page.keyboard.press('Enter');
      await expect(page.getByTestId('neuron-detail')).toBeVisible();
      await page.waitForTimeout(300);
      await shot(page, `${model.id}-neuron-${size.width}`);

      await page.getByTestId('compare-open').click();
      await page.locator('[data-testid=compare-mode][data-mode=ascent]').uncheck();
      await expect(page.locator('[data-testid=compare-card][data-state=done]')).toHaveCount(2, { timeout: 90_000 });
      await shot(page, `${model.id}-compare-${size.width}`);
      await page.getByTestId('compare-kind-references').check();
      await expect(page.locator('[data-testid=compare-card][data-state=done]')).toHaveCount(2, { timeout: 90_000 });
      await shot(page, `${model.id}-compare-references-${size.width}`);

      await page.getByTestId('compare-back').click();
      await page.getByTestId('back').click();
      await page.getByTestId('view-graph').click();
      await expect(page.getByTestId('graph-chart')).toBeVisible();
      await page.waitForTimeout(300);
      await shot(page, `${model.id}-graph-${size.width}`);
      await page.getByTestId('graph-fit').click();
      await page.waitForTimeout(300);
      await shot(page, `${model.id}-graph-fit-${size.width}`);

      await page.getByTestId('view-weights').click();
      await expect(page.getByTestId('weights-histogram')).toBeVisible();
      await page.waitForTimeout(300);
      await shot(page, `${model.id}-weights-${size.width}`);

      await page.getByTestId('view-gallery').click();
      await page.getByTestId('toolbar-export').click();
      await expect(page.getByTestId('export-dialog')).toBeVisible();
      await shot(page, `${model.id}-export-${size.width}`);
      expect(errors).toEqual([]);
      await context.close();
    });
  }
}
