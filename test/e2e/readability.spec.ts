// Galleries a person can read (issue 17) in the app: thumbnails cut to each neuron's
// receptive field, the input's layout and value range as settings, x* in data units.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { openApp, openExample, waitForAllLayers } from './app-helpers';

const SHOTS = path.join(import.meta.dirname, 'screenshots');

test('thumbnails are cut to the receptive field of each layer', async ({ page }) => {
  mkdirSync(SHOTS, { recursive: true });
  await openApp(page);
  await openExample(page, 'small-convnet');
  await waitForAllLayers(page);
  // conv1: a 5×5 kernel with padding 2 on 28×28; the centre neuron (13, 13) reads rows and columns 11–15.
  await expect(page.locator('[data-testid=gallery-header][data-layer=conv1]')).toHaveAttribute('data-crop', '11,11,5,5');
  await expect(page.locator('[data-testid=gallery-header][data-layer=conv1] [data-testid=gallery-crop]')).toHaveText('crop 5×5');
  // pool1 (2×2) then conv2 (3×3, padding 1): 4×4 pool cells of conv1's 5×5 fields, 2·3 + 5 − 1 = 10 pixels across.
  const conv2 = await page.locator('[data-testid=gallery-header][data-layer=conv2]').getAttribute('data-crop');
  expect(conv2!.split(',').map(Number).slice(2)).toEqual([10, 10]);
  // A dense layer sees the whole input: no crop.
  await expect(page.locator('[data-testid=gallery-header][data-layer=logits]')).not.toHaveAttribute('data-crop', /./);
  await page.screenshot({ path: path.join(SHOTS, 'readability-crops.png') });
});
