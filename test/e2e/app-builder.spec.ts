// The network builder: the 2×2 kernel on a 3×3 input built by hand in the UI, checked
// against the transposed matrix derived by hand from the kernel's weights.
import { readFileSync } from 'node:fs';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { initWeights } from '../../workers/formats/neurovis/init';
import { appRadius, detailValues, focusLayer, openApp, waitForAllLayers } from './app-helpers';

async function setField(row: Locator, testId: string, value: string): Promise<void> {
  const input = row.getByTestId(testId);
  await input.fill(value);
  await input.press('Tab');
}

async function addLayer(page: Page, kind: string): Promise<Locator> {
  await page.getByTestId('add-kind').selectOption(kind);
  await page.getByTestId('add-layer').click();
  return page.getByTestId('builder-layer').last();
}

/** The convolution of a 3×3 input by a 2×2 kernel, stride 1, as the 4 × 9 matrix W (row p·2+q: the kernel placed at output (p, q)). */
function convolutionMatrix(kernel: Float32Array): number[][] {
  const w = Array.from({ length: 4 }, () => new Array<number>(9).fill(0));
  for (let p = 0; p < 2; p++) for (let q = 0; q < 2; q++) for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) w[p * 2 + q][(p + i) * 3 + (q + j)] = kernel[i * 2 + j];
  return w;
}

test('the 2×2 kernel on a 3×3 input, built in the builder, shows the transposed matrix', async ({ page }) => {
  await openApp(page);
  await page.getByTestId('open-builder').click();
  await expect(page.getByTestId('builder')).toBeVisible();
  while ((await page.getByTestId('builder-layer').count()) > 0) await page.getByTestId('remove-layer').first().click();

  await page.getByTestId('network-name').fill('kernel-by-hand');
  await page.getByTestId('input-shape').fill('1, 3, 3');

  const conv = await addLayer(page, 'conv2d');
  await setField(conv, 'filters', '1');
  await setField(conv, 'kernel', '2');
  await conv.getByTestId('bias').uncheck();
  await conv.getByTestId('init-kind').selectOption('normal');
  await setField(conv, 'seed', '5');
  await expect(conv.getByTestId('layer-shape')).toHaveText('→ 1 × 2 × 2');

  // Live shape inference names the layer that cannot work, and recovers.
  await setField(conv, 'kernel', '4');
  await expect(conv.getByTestId('layer-error')).toContainText('does not fit');
  await expect(page.getByTestId('builder-build')).toBeDisabled();
  await setField(conv, 'kernel', '2');
  await expect(conv.getByTestId('layer-shape')).toHaveText('→ 1 × 2 × 2');

  await addLayer(page, 'flatten');
  const dense = await addLayer(page, 'dense');
  await setField(dense, 'units', '4');
  await dense.getByTestId('bias').uncheck();
  await dense.getByTestId('init-kind').selectOption('identity');
  await expect(dense.getByTestId('layer-shape')).toHaveText('→ 4');

  // Saved as .neurovis.json: the network as built.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('builder-save').click()]);
  expect(download.suggestedFilename()).toBe('kernel-by-hand.neurovis.json');
  const saved = JSON.parse(readFileSync((await download.path())!, 'utf8'));
  expect(saved).toMatchObject({ format: 'neurovis', version: 1, name: 'kernel-by-hand', input: { shape: [1, 3, 3] } });
  expect(saved.layers).toEqual([
    expect.objectContaining({ kind: 'conv2d', filters: 1, kernel: 2, bias: false, init: expect.objectContaining({ kind: 'normal', seed: 5 }) }),
    { kind: 'flatten' },
    expect.objectContaining({ kind: 'dense', units: 4, bias: false, init: expect.objectContaining({ kind: 'identity' }) }),
  ]);

  await page.getByTestId('builder-build').click();
  await expect(page.getByTestId('model-title')).toHaveText('kernel-by-hand.neurovis.json');
  const states = await waitForAllLayers(page);
  expect(states.map((s) => s.layer)).toEqual(['conv2d1', 'dense3']);

  // By hand: the kernel the seed gives, placed at each output position, transposed.
  const kernel = initWeights({ kind: 'normal', seed: 5 }, 1, 1, [2, 2]);
  const w = convolutionMatrix(kernel);
  await page.locator('[data-testid=gallery-header][data-layer=dense3] button').click();
  const cells = await page.getByTestId('matrix-table').locator('td').evaluateAll((tds) =>
    tds.map((td) => ({ row: Number((td as HTMLElement).dataset.row), col: Number((td as HTMLElement).dataset.col), value: Number((td as HTMLElement).dataset.value) })),
  );
  expect(cells).toHaveLength(9 * 4);
  for (const c of cells) expect(c.value).toBeCloseTo(w[c.col][c.row], 5);
  await page.keyboard.press('Escape');

  // The gallery: neuron o's x* is column o of Wᵀ at the app's default norm r = ¼·√9 (the range 0–1).
  await focusLayer(page, 'dense3');
  await page.keyboard.press('Enter');
  for (let o = 0; o < 4; o++) {
    await expect(page.getByTestId('neuron-detail')).toHaveAttribute('data-neuron', String(o));
    const norm = Math.hypot(...w[o]);
    const values = await detailValues(page);
    expect(values).toHaveLength(9);
    for (const v of values) expect(v.value).toBeCloseTo((appRadius(9) * w[o][v.row * 3 + v.col]) / norm, 5);
    await page.keyboard.press('ArrowRight');
  }
});
