// The trained model among the start screen's examples (renderer/src/examples/mnist-cnn): one
// click opens it from the built app's own assets, and every layer's gallery draws thumbnails.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { prepare } from '../../workers/engine/prepare';
import { readModel } from '../../workers/formats/index';
import { focusLayer, openApp, openExample, waitForAllLayers } from './app-helpers';

const modelFile = join(import.meta.dirname, '..', '..', 'renderer', 'src', 'examples', 'mnist-cnn', 'mnist-cnn.onnx');

test('the MNIST CNN example opens with one click and draws a gallery for every layer (surrogate mode)', async ({ page }) => {
  const layers = prepare(readModel([{ name: 'mnist-cnn.onnx', bytes: new Uint8Array(readFileSync(modelFile)) }])).layers;
  await openApp(page);
  await openExample(page, 'mnist-cnn');
  await expect(page.getByTestId('model-title')).toHaveText('mnist-cnn.onnx');
  // A ReLU network: the exact mode does not apply, the app says so and shows the linear surrogate.
  await expect(page.locator('[data-testid=notice][data-kind=info]')).toHaveCount(1);
  const states = await waitForAllLayers(page, 120_000);
  expect(states.map((s) => s.layer)).toEqual(layers.map((l) => l.id));
  for (const s of states) {
    expect(s.failed).toBe(0);
    await focusLayer(page, s.layer);
    const header = page.locator(`[data-testid=gallery-header][data-layer="${s.layer}"]`);
    await expect(header).toBeVisible();
    await expect.poll(async () => Number(await header.getAttribute('data-drawn'))).toBeGreaterThan(0);
  }
  await expect(page.locator('[data-testid=notice][data-kind=error]')).toHaveCount(0);
});
