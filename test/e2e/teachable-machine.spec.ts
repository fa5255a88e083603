// A Teachable Machine export dropped on the window (model.json, weights.bin, metadata.json):
// its class names name the output layer's neurons.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { dropFiles, openApp, pageErrors, waitForAllLayers } from './app-helpers';

const FOLDER = path.resolve(import.meta.dirname, '../fixtures/tfjs/teachable_machine');

test("Teachable Machine's metadata.json labels name the output neurons", async ({ page }) => {
  const errors = pageErrors(page);
  await openApp(page);
  await dropFiles(page, ['model.json', 'weights.bin', 'metadata.json'].map((name) => ({ name, bytes: new Uint8Array(readFileSync(path.join(FOLDER, name))) })));
  await waitForAllLayers(page);
  const list = page.getByTestId('layer-labels');
  await expect(list).toHaveCount(1);
  for (const name of ['Cat', 'Dog', 'Neither']) await expect(list).toContainText(name);
  await expect(page.locator('[data-testid=layer-item][data-layer="sequential_3/dense_Dense2"] [data-testid=layer-labels]')).toHaveCount(1);
  expect(errors).toEqual([]);
});
