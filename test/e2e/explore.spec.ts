// Finding and ordering in a gallery (browser build): search with Ctrl+F, sorting a layer,
// hiding dead neurons, a labels file the user picks, and an address that names a neuron.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import type { NetworkSpec } from '../../workers/formats/neurovis/spec';
import { appRadius, dropFiles, engineResult, example, focusLayer, openApp, openExample, specFile, pageErrors, waitForAllLayers } from './app-helpers';

const NEURON = { kind: 'neuron' } as const;

test('Ctrl+F finds a layer and a neuron, and jumps there', async ({ page }) => {
  const errors = pageErrors(page);
  await openApp(page);
  await openExample(page, 'linear-mlp');
  await waitForAllLayers(page);
  await page.getByTestId('gallery').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Control+f');
  const search = page.getByTestId('search');
  await expect(search).toBeFocused();
  await search.fill('dense3');
  await expect(page.getByTestId('search-result').first()).toHaveAttribute('data-layer', 'dense3');
  await search.press('Enter');
  await expect(page.locator('[data-testid=layer-item][data-layer=dense3]')).toHaveClass(/active/);
  await expect(page.locator('[data-testid=gallery-header][data-layer=dense3]')).toBeInViewport();

  await search.fill('dense2 #17');
  await search.press('Enter');
  await search.press('Escape');
  await page.keyboard.press('Enter');
  const detail = page.getByTestId('neuron-detail');
  await expect(detail).toHaveAttribute('data-layer', 'dense2');
  await expect(detail).toHaveAttribute('data-neuron', '17');
  expect(errors).toEqual([]);
});

test('a layer sorted by activation (or by norm) shows the neuron reaching most first', async ({ page }) => {
  await openApp(page);
  await openExample(page, 'small-convnet');
  await waitForAllLayers(page);
  const truth = engineResult(example('small-convnet'), 'logits', [...Array(10).keys()], { mode: 'surrogate', objective: NEURON, radius: appRadius(example('small-convnet')) });
  const ranked = [...Array(10).keys()].sort((a, b) => truth.activations[b] - truth.activations[a] || a - b);
  // Otherwise the test could not tell a sorted layer from an unsorted one.
  expect(ranked.slice(0, 2)).not.toEqual([0, 1]);
  await page.locator('[data-testid=notice] [data-testid=dismiss]').click();
  await page.locator('[data-testid=layer-sort][data-layer=logits]').selectOption('activation');
  await focusLayer(page, 'logits');
  // The layer list puts the focus on neuron 0; Home goes to the first cell shown.
  await page.keyboard.press('Home');
  await page.keyboard.press('Enter');
  const detail = page.getByTestId('neuron-detail');
  await expect(detail).toHaveAttribute('data-neuron', String(ranked[0]));
  await page.keyboard.press('Escape');
  // The next cell to the right is the second highest.
  await page.getByTestId('gallery').focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Enter');
  await expect(detail).toHaveAttribute('data-neuron', String(ranked[1]));
  await page.keyboard.press('Escape');
  await page.locator('[data-testid=layer-sort][data-layer=logits]').selectOption('norm');
  const byNorm = [...Array(10).keys()].sort((a, b) => truth.norms[b] - truth.norms[a] || a - b);
  expect(byNorm[0]).not.toBe(ranked[0]);
  await page.getByTestId('gallery').focus();
  await page.keyboard.press('Home');
  await page.keyboard.press('Enter');
  await expect(detail).toHaveAttribute('data-neuron', String(byNorm[0]));
});

/** An identity dense layer wider than its input: its last two neurons see nothing (a = 0, dead). */
const DEAD: NetworkSpec = {
  format: 'neurovis',
  version: 1,
  name: 'two-dead',
  input: { shape: [4] },
  layers: [{ kind: 'dense', name: 'wide', units: 6, init: { kind: 'identity' } }],
};

test('dead neurons can be hidden', async ({ page }) => {
  await openApp(page);
  await dropFiles(page, [specFile(DEAD)]);
  await waitForAllLayers(page);
  const truth = engineResult(DEAD, 'wide', [...Array(6).keys()], { mode: 'exact', objective: NEURON, radius: appRadius(DEAD) });
  const alive = [...truth.dead].filter((d) => !d).length;
  expect(alive).toBe(4);
  const header = page.locator('[data-testid=gallery-header][data-layer=wide] .count');
  await expect(header).toHaveText('6 neurons');
  await page.getByTestId('hide-dead').check();
  await expect(header).toHaveText(`${alive} neurons`);
  await page.getByTestId('hide-dead').uncheck();
  await expect(header).toHaveText('6 neurons');
});

test('a labels file the user picks names the output neurons in the list, the detail and the search', async ({ page }) => {
  const errors = pageErrors(page);
  await openApp(page);
  await openExample(page, 'linear-mlp');
  await waitForAllLayers(page);
  const names = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
  const choosing = page.waitForEvent('filechooser');
  await page.getByTestId('load-labels').click();
  await (await choosing).setFiles({ name: 'digits.txt', mimeType: 'text/plain', buffer: Buffer.from(names.join('\n') + '\n') });
  const list = page.getByTestId('layer-labels');
  for (const name of names) await expect(list).toContainText(name);
  await expect(page.locator('[data-testid=layer-labels]')).toHaveCount(1);
  await page.locator('[data-testid=label-item][data-neuron="7"]').click();
  await page.getByTestId('gallery').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('detail-label')).toContainText('seven');
  await page.keyboard.press('Escape');
  await page.getByTestId('search').fill('eig');
  await expect(page.getByTestId('search-result')).toHaveCount(1);
  await expect(page.getByTestId('search-result')).toHaveAttribute('data-neuron', '8');

  // A file that fits no layer is refused, and says why.
  const again = page.waitForEvent('filechooser');
  await page.getByTestId('load-labels').click();
  await (await again).setFiles({ name: 'three.txt', mimeType: 'text/plain', buffer: Buffer.from('a\nb\nc\n') });
  const error = page.locator('[data-testid=notice][data-kind=error]');
  await expect(error).toContainText('three.txt');
  await expect(error).toContainText('3');
  await expect(list).toContainText('seven');
  expect(errors).toEqual([]);
});

test('the address names the neuron shown, and opening it shows the model at that neuron', async ({ page }) => {
  await openApp(page);
  const spec = example('linear-mlp');
  await dropFiles(page, [specFile(spec)]);
  await waitForAllLayers(page);
  await page.getByTestId('search').fill('dense3 4');
  await page.getByTestId('search').press('Enter');
  await page.getByTestId('search').press('Escape');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('neuron-detail')).toHaveAttribute('data-neuron', '4');
  await expect.poll(() => page.evaluate(() => location.hash)).toContain('neuron=4');
  const url = page.url();
  expect(url).toContain('layer=dense3');

  await page.goto('about:blank');
  await page.goto(url);
  const detail = page.getByTestId('neuron-detail');
  await expect(detail).toHaveAttribute('data-layer', 'dense3');
  await expect(detail).toHaveAttribute('data-neuron', '4');
  await expect(page.getByTestId('model-title')).toHaveText(specFile(spec).name);
});

test('a Teachable Machine model dropped with its metadata.json shows every class name, and a labels file goes into the export manifest', async ({ page }) => {
  const errors = pageErrors(page);
  const dir = path.join(import.meta.dirname, '../fixtures/tfjs/teachable_machine');
  const metadata = JSON.parse(readFileSync(path.join(dir, 'metadata.json'), 'utf8')) as { labels: string[] };
  await openApp(page);
  await dropFiles(page, ['model.json', 'weights.bin', 'metadata.json'].map((name) => ({ name, bytes: new Uint8Array(readFileSync(path.join(dir, name))) })));
  await expect(page.getByTestId('model-view')).toBeVisible();
  const list = page.getByTestId('layer-labels');
  for (const name of metadata.labels) await expect(list).toContainText(name);

  // Labels the user picks replace them, and the manifest of an export carries them.
  const names = metadata.labels.map((n) => `${n} (mine)`);
  const choosing = page.waitForEvent('filechooser');
  await page.getByTestId('load-labels').click();
  await (await choosing).setFiles({ name: 'mine.labels', mimeType: 'text/plain', buffer: Buffer.from(names.join('\n')) });
  for (const name of names) await expect(list).toContainText(name);
  await waitForAllLayers(page);
  await page.getByTestId('toolbar-export').click();
  await page.getByTestId('export-scope-model').check();
  for (const f of ['png', 'svg', 'npy']) await page.getByTestId(`export-format-${f}`).uncheck();
  const downloading = page.waitForEvent('download');
  await page.getByTestId('export-start').click();
  const manifest = JSON.parse(readFileSync(await (await downloading).path(), 'utf8')) as { layers: { labels?: string[] }[] };
  expect(manifest.layers[manifest.layers.length - 1].labels).toEqual(names);
  expect(errors).toEqual([]);
});
