// The renderer in the browser build: examples, galleries, neuron detail against the engine,
// settings that recompute only what they affect, cancel, bad files, keyboard navigation.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { computeNeurons } from '../../workers/engine/compute';
import { prepare } from '../../workers/engine/prepare';
import { readModel } from '../../workers/formats/index';
import { encodeNpy } from '../../workers/formats/numpy/npy';
import {
  APP_RADIUS, appRadius,
  appReference,
  detailNumber,
  detailValues,
  dropFiles,
  dropFilesOn,
  engineResult,
  example,
  EXAMPLES,
  focusLayer,
  layerStates,
  openApp,
  openExample,
  setSelect,
  SLOW_WIDE,
  specFile,
  waitForAllLayers,
} from './app-helpers';

const NEURON = { kind: 'neuron' } as const;

test('every example opens with a gallery drawn for every layer', async ({ page }) => {
  await openApp(page);
  for (const ex of EXAMPLES) {
    await openExample(page, ex.id);
    await expect(page.getByTestId('model-title')).toHaveText(`${ex.spec.name}.neurovis.json`);
    const states = await waitForAllLayers(page);
    const expectedLayers = ex.spec.layers.filter((l) => l.kind !== 'flatten').length;
    expect(states).toHaveLength(expectedLayers);
    for (const s of states) {
      await focusLayer(page, s.layer);
      const header = page.locator(`[data-testid=gallery-header][data-layer="${s.layer}"]`);
      await expect(header).toBeVisible();
      // Thumbnails are drawn on the ECharts canvas; the header counts those drawn for its layer.
      await expect.poll(async () => Number(await header.getAttribute('data-drawn'))).toBeGreaterThan(0);
    }
    await expect(page.locator('[data-testid=notice][data-kind=error]')).toHaveCount(0);
    await page.getByTestId('home').click();
  }
});

test('a neuron of a nonlinear network shows the engine’s x* and numbers (surrogate)', async ({ page }) => {
  await openApp(page);
  await openExample(page, 'small-convnet');
  await waitForAllLayers(page);
  // A nonlinear model switches the exact mode to the surrogate, and says so.
  const info = page.locator('[data-testid=notice][data-kind=info]');
  await expect(info).toContainText('small-convnet');
  await info.getByTestId('dismiss').click();
  // The settings offer the exact mode greyed out, saying why, and show the mode in use.
  await page.getByTestId('open-settings').click();
  const exactOption = page.getByTestId('mode-option-exact');
  await expect(exactOption).toBeDisabled();
  await expect(exactOption).toContainText('linear networks only');
  await expect(page.getByTestId('setting-mode')).toHaveValue('surrogate');
  await page.getByTestId('settings-close').click();
  await focusLayer(page, 'conv2');
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Enter');
  const detail = page.getByTestId('neuron-detail');
  await expect(detail).toHaveAttribute('data-layer', 'conv2');
  await expect(detail).toHaveAttribute('data-neuron', '5');

  const truth = engineResult(example('small-convnet'), 'conv2', [5], { mode: 'surrogate', objective: NEURON, radius: APP_RADIUS });
  const values = await detailValues(page);
  expect(values).toHaveLength(28 * 28);
  for (const v of values) expect(Math.abs(v.value - truth.xstar[v.row * 28 + v.col])).toBeLessThan(1e-5);
  expect(await detailNumber(page, 'activation')).toBeCloseTo(truth.activations[0], 4);
  expect(await detailNumber(page, 'norm')).toBeCloseTo(truth.norms[0], 4);
  expect(await detailNumber(page, 'bias')).toBeCloseTo(truth.baselines[0], 5);
  await expect(page.getByTestId('detail-reason')).toContainText('surrogate');

  // The heatmap's tooltip names a pixel and its value: it must be the engine's value there.
  const chart = page.getByTestId('detail-chart');
  const box = (await chart.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.45, box.y + box.height * 0.5);
  const tip = chart.locator('div', { hasText: /x\* =/ }).last();
  await expect(tip).toBeVisible();
  const m = /row (\d+), column (\d+)\s*x\* = (-?[\d.e-]+)/.exec((await tip.textContent()) ?? '');
  expect(m).not.toBeNull();
  const [row, col, shown] = [Number(m![1]), Number(m![2]), Number(m![3])];
  expect(Math.abs(shown - truth.xstar[row * 28 + col])).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(shown));
});

test('a linear network’s neuron detail matches the exact mode, and says why it is optimal', async ({ page }) => {
  await openApp(page);
  await openExample(page, 'linear-mlp');
  await waitForAllLayers(page);
  await focusLayer(page, 'dense2');
  for (let i = 0; i < 7; i++) await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('neuron-detail')).toHaveAttribute('data-neuron', '7');
  const truth = engineResult(example('linear-mlp'), 'dense2', [7], { mode: 'exact', objective: NEURON, radius: appRadius(example('linear-mlp')) });
  const values = await detailValues(page);
  for (const v of values) expect(Math.abs(v.value - truth.xstar[v.row * 28 + v.col])).toBeLessThan(1e-5);
  expect(await detailNumber(page, 'activation')).toBeCloseTo(truth.activations[0], 4);
  await expect(page.getByTestId('detail-reason')).toContainText(`No input of norm ${appRadius(example('linear-mlp'))} reaches more`);
});

test('changing a setting recomputes only the layers it affects', async ({ page }) => {
  await openApp(page, { compute: { mode: 'surrogate' } });
  await openExample(page, 'small-convnet');
  const before = await waitForAllLayers(page);
  const runs = async (): Promise<number> => Number(await page.getByTestId('jobs-bar').getAttribute('data-runs'));
  const runsBefore = await runs();

  // Surrogate → local: conv1 has no nonlinearity before it, so its x* cannot change.
  await page.getByTestId('open-settings').click();
  await setSelect(page, 'setting-mode', 'local');
  const keyOf = async (layer: string): Promise<string> => (await layerStates(page)).find((s) => s.layer === layer)!.key;
  await expect.poll(() => keyOf('relu1')).not.toBe(before.find((s) => s.layer === 'relu1')!.key);
  const right = await layerStates(page);
  const conv1 = right.find((s) => s.layer === 'conv1')!;
  expect(conv1.received).toBe(conv1.total);
  expect(conv1.key).toBe(before.find((s) => s.layer === 'conv1')!.key);
  const after = await waitForAllLayers(page);
  for (const s of after) {
    const old = before.find((b) => b.layer === s.layer)!;
    if (s.layer === 'conv1') expect(s.key).toBe(old.key);
    else expect(s.key).not.toBe(old.key);
  }
  expect(await runs()).toBe(runsBefore + 1);

  // The objective changes convolutional layers only: the dense head keeps its results.
  await setSelect(page, 'setting-objective', 'channel');
  await expect.poll(() => keyOf('conv2')).not.toBe(after.find((s) => s.layer === 'conv2')!.key);
  const objective = await waitForAllLayers(page);
  expect(objective.find((s) => s.layer === 'logits')!.key).toBe(after.find((s) => s.layer === 'logits')!.key);
  expect(objective.find((s) => s.layer === 'conv2')!.key).not.toBe(after.find((s) => s.layer === 'conv2')!.key);
  expect(await runs()).toBe(runsBefore + 2);

  // Display settings redraw without computing anything.
  await setSelect(page, 'setting-colormap', 'viridis');
  await setSelect(page, 'setting-scale', 'layer');
  await expect(page.getByTestId('jobs-bar')).toHaveAttribute('data-runs', String(runsBefore + 2));
  expect((await layerStates(page)).map((s) => s.key)).toEqual(objective.map((s) => s.key));

  // The recomputed values are the engine's under the new settings.
  await page.getByTestId('settings-close').click();
  await focusLayer(page, 'pool1');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Enter');
  const truth = engineResult(example('small-convnet'), 'pool1', [1], { mode: 'local', objective: { kind: 'channel' }, radius: APP_RADIUS, reference: appReference(example('small-convnet')) });
  const values = await detailValues(page);
  for (const v of values) expect(Math.abs(v.value - truth.xstar[v.row * 28 + v.col])).toBeLessThan(1e-5);
});

test('cancel stops the work, resume takes it up again', async ({ page }) => {
  await openApp(page);
  await dropFiles(page, [specFile(SLOW_WIDE)]);
  await expect(page.getByTestId('model-title')).toHaveText('wide-relu.neurovis.json');
  const received = async (): Promise<number> => (await layerStates(page))[0].received;
  await expect.poll(received).toBeGreaterThan(0);
  await expect(page.getByTestId('jobs-bar')).toHaveAttribute('data-running', 'true');
  await page.getByTestId('cancel').click();
  await expect(page.getByTestId('jobs-bar')).toHaveAttribute('data-running', 'false');
  await expect(page.getByTestId('resume')).toBeVisible();
  const stopped = await received();
  expect(stopped).toBeLessThan(4096);
  // Jobs already running finish, but their results are dropped: nothing more arrives.
  await page.waitForTimeout(1500);
  expect(await received()).toBe(stopped);

  await page.getByTestId('resume').click();
  await expect(page.getByTestId('jobs-bar')).toHaveAttribute('data-running', 'true');
  await expect.poll(received).toBeGreaterThan(stopped);
  await page.getByTestId('cancel').click();
});

test('a corrupt file shows a dismissable error and the open model stays', async ({ page }) => {
  await openApp(page);
  await openExample(page, 'linear-mlp');
  const before = await waitForAllLayers(page);

  const garbage = new Uint8Array(4096);
  for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + 13) % 251;
  await dropFiles(page, [{ name: 'broken.onnx', bytes: garbage }]);
  const error = page.locator('[data-testid=notice][data-kind=error]');
  await expect(error).toHaveCount(1);
  await expect(error).toContainText('broken.onnx');

  await dropFiles(page, [{ name: 'cut.neurovis.json', bytes: new TextEncoder().encode('{"format": "neurovis", "version": 1, "input": {"shape": [1, 28') }]);
  await expect(error).toHaveCount(2);
  await expect(error.nth(1)).toContainText('cut.neurovis.json');

  // The model that was open is still open and whole.
  await expect(page.getByTestId('model-title')).toHaveText('linear-mlp-28x28.neurovis.json');
  expect(await layerStates(page)).toEqual(before);
  await focusLayer(page, 'dense3');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('neuron-detail')).toHaveAttribute('data-layer', 'dense3');

  await error.first().getByTestId('dismiss').click();
  await expect(error).toHaveCount(1);
  await error.first().getByTestId('dismiss').click();
  await expect(error).toHaveCount(0);
});

test('keyboard: arrows move through neurons and layers, Enter opens, Escape goes back', async ({ page }) => {
  await openApp(page);
  await openExample(page, 'kernel-2x2');
  await waitForAllLayers(page);
  await focusLayer(page, 'conv');
  // conv has one neuron: the next one is the first of the next layer.
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Enter');
  const detail = page.getByTestId('neuron-detail');
  await expect(detail).toHaveAttribute('data-layer', 'positions');
  await expect(detail).toHaveAttribute('data-neuron', '1');
  await page.keyboard.press('ArrowRight');
  await expect(detail).toHaveAttribute('data-neuron', '2');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('gallery')).toBeVisible();
  await page.getByTestId('gallery').focus();
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('Enter');
  await expect(detail).toHaveAttribute('data-layer', 'conv');
  await expect(detail).toHaveAttribute('data-neuron', '0');
  await page.keyboard.press('Escape');
  // Arrows work wherever the focus is in the window, not only on the gallery.
  await page.locator('[data-testid=layer-item][data-layer=positions] button').click();
  await page.locator('h3').first().click();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Enter');
  await expect(detail).toHaveAttribute('data-layer', 'positions');
  await expect(detail).toHaveAttribute('data-neuron', '1');
  await page.keyboard.press('Escape');
  await page.locator('[data-testid=gallery-header][data-layer=positions] button').click();
  await expect(page.getByTestId('layer-overview')).toHaveAttribute('data-layer', 'positions');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('gallery')).toBeVisible();
});

test('the interface follows the OS language and can be switched', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'zh-CN' });
  const page = await context.newPage();
  await openApp(page);
  await expect(page.locator('h1')).toHaveText('每个神经元想看到什么？');
  await expect(page.getByTestId('drop-zone')).toContainText('拖入模型文件');
  await page.getByTestId('open-settings').click();
  await setSelect(page, 'setting-locale', 'en');
  await expect(page.locator('h1')).toHaveText('What does each neuron want to see?');
  await page.reload();
  await expect(page.locator('h1')).toHaveText('What does each neuron want to see?');
  await context.close();
});

test('the theme follows the OS and can be toggled', async ({ browser }) => {
  const context = await browser.newContext({ colorScheme: 'dark' });
  const page = await context.newPage();
  await openApp(page);
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await page.getByTestId('toggle-theme').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await context.close();
});

test('a reference input dropped in the settings drives the local mode', async ({ page }) => {
  await openApp(page, { compute: { mode: 'local' } });
  await openExample(page, 'small-convnet');
  const before = await waitForAllLayers(page);
  const x0 = new Float32Array(28 * 28);
  for (let i = 0; i < x0.length; i++) x0[i] = Math.sin(i * 0.37) * 0.5 + 0.5;
  await page.getByTestId('open-settings').click();
  await dropFilesOn(page, '[data-testid=reference-drop]', [{ name: 'x0.npy', bytes: encodeNpy([1, 1, 28, 28], x0) }]);
  await expect(page.getByTestId('reference-drop')).toContainText('x0.npy');
  // Only the layers past the first nonlinearity depend on x0.
  await expect.poll(async () => (await layerStates(page)).find((s) => s.layer === 'relu1')!.key).toContain('x0.npy');
  const after = await waitForAllLayers(page);
  expect(after.find((s) => s.layer === 'conv1')!.key).toBe(before.find((s) => s.layer === 'conv1')!.key);
  await page.getByTestId('settings-close').click();

  // A ReLU neuron inactive at x0 is dead in the local mode; look at the first one that is not.
  const all = engineResult(example('small-convnet'), 'relu2', Array.from({ length: 16 }, (_, i) => i), { mode: 'local', objective: NEURON, radius: APP_RADIUS, reference: x0 });
  const alive = all.dead.indexOf(0);
  expect(alive).toBeGreaterThanOrEqual(0);
  await focusLayer(page, 'relu2');
  for (let i = 0; i < alive; i++) await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('neuron-detail')).toHaveAttribute('data-neuron', String(alive));
  const row = all.xstar.subarray(alive * 784, (alive + 1) * 784);
  for (const v of await detailValues(page)) expect(Math.abs(v.value - row[v.row * 28 + v.col])).toBeLessThan(1e-5);
  expect(await detailNumber(page, 'activation')).toBeCloseTo(all.activations[alive], 4);
  await expect(page.getByTestId('detail-reason')).toContainText('reference input');
});

test('gradient ascent shows the activation at each step against the closed form', async ({ page }) => {
  await openApp(page, { compute: { mode: 'ascent' } });
  await openExample(page, 'single-neuron');
  await waitForAllLayers(page);
  await focusLayer(page, 'neuron');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('trace-chart')).toBeVisible();
  const r = appRadius(example('single-neuron'));
  const truth = engineResult(example('single-neuron'), 'neuron', [0], { mode: 'ascent', objective: NEURON, radius: r });
  // A single neuron is linear: the ascent stops at step 0 with the closed form r‖w‖ + b.
  expect(truth.traces![0].length).toBe(1);
  const w = [3, -1, 2, 0.5, -2, 1, 0, -0.5];
  expect(await detailNumber(page, 'activation')).toBeCloseTo(r * Math.hypot(...w) + 0.5, 4);
  const values = await detailValues(page);
  for (const v of values) expect(v.value).toBeCloseTo((r * w[v.col]) / Math.hypot(...w), 5);
});

test('a dropped model is listed among the recent models and opens again from there', async ({ page }) => {
  await openApp(page);
  await dropFiles(page, [specFile(example('kernel-2x2'))]);
  await expect(page.getByTestId('model-title')).toHaveText('kernel-2x2-on-3x3.neurovis.json');
  await waitForAllLayers(page);
  await page.getByTestId('home').click();
  const recent = page.getByTestId('recent');
  await expect(recent).toHaveText(['kernel-2x2-on-3x3.neurovis.json']);
  await recent.click();
  await expect(page.getByTestId('model-title')).toHaveText('kernel-2x2-on-3x3.neurovis.json');
  await waitForAllLayers(page);
});

test('a symbolic input dimension asks for an input shape, and the model opens with it', async ({ page }) => {
  const file = { name: 'conv1d_symbolic_length.onnx', bytes: new Uint8Array(readFileSync(path.join(import.meta.dirname, 'fixtures', 'conv1d_symbolic_length.onnx'))) };
  await openApp(page);
  await dropFiles(page, [file]);
  const error = page.locator('[data-testid=notice][data-kind=error]');
  await expect(error).toContainText('symbolic dimension');
  await expect(page.getByTestId('start-screen')).toBeVisible();

  await page.getByTestId('open-settings').click();
  const shape = page.getByTestId('setting-input-shape');
  await shape.fill('2, 32');
  await shape.press('Enter');
  await expect(page.getByTestId('model-title')).toHaveText('conv1d_symbolic_length.onnx');
  // The file opened after all: its error goes.
  await expect(error).toHaveCount(0);
  const states = await waitForAllLayers(page);
  expect(states.map((s) => s.total)).toEqual([4, 3]);
  await page.getByTestId('settings-close').click();

  const model = prepare(readModel([file]), { inputShape: [2, 32] });
  const truth = computeNeurons(model, model.layers[1].id, [2], { mode: 'exact', objective: { kind: 'neuron' }, radius: appRadius(64) });
  await focusLayer(page, model.layers[1].id);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Enter');
  const values = await detailValues(page);
  expect(values).toHaveLength(2 * 32);
  for (const v of values) expect(Math.abs(v.value - truth.xstar[v.row * 32 + v.col])).toBeLessThan(1e-5);
});

test('changing the worker count moves the open model to a new pool', async ({ page }) => {
  await openApp(page);
  await openExample(page, 'linear-mlp');
  await waitForAllLayers(page);
  await page.getByTestId('open-settings').click();
  const workers = page.getByTestId('setting-workers');
  await workers.fill('2');
  await workers.press('Enter');
  await expect(page.getByTestId('loading')).toBeHidden();
  await expect(page.getByTestId('model-title')).toHaveText('linear-mlp-28x28.neurovis.json');
  await waitForAllLayers(page);
  await expect(page.locator('[data-testid=notice][data-kind=error]')).toHaveCount(0);
});

test('End jumps to the last of 4,096 neurons while they compute: they are drawn and open', async ({ page }) => {
  await openApp(page, { workers: 1 });
  await dropFiles(page, [specFile(SLOW_WIDE)]);
  await expect(page.getByTestId('model-title')).toHaveText('wide-relu.neurovis.json');
  const wide = async () => (await layerStates(page)).find((s) => s.layer === 'wide')!;
  await expect.poll(async () => (await wide()).received).toBeGreaterThan(0);
  // Jump to the last neuron of the 4,096: the pool is told, and those thumbnails come long
  // before the neurons in between (one worker takes minutes for the whole layer).
  await focusLayer(page, 'wide');
  await page.keyboard.press('End');
  const header = page.locator('[data-testid=gallery-header][data-layer=relu]');
  await expect(header).toBeVisible();
  await expect.poll(async () => Number(await page.getByTestId('gallery').getAttribute('data-drawn')), { timeout: 60_000 }).toBeGreaterThan(20);
  // Whether the neurons in between were still waiting depends on the machine's speed (an idle
  // CI machine finishes the layer in seconds); the order itself is tested deterministically in
  // test/pool/scheduling.test.ts ('computes prioritized neurons first').
  const states = await wide();
  test.info().annotations.push({ type: 'neurons of the layer received when the last ones were drawn', description: `${states.received} of ${states.total}` });
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('neuron-detail')).toHaveAttribute('data-neuron', '4095');
  await expect(page.getByTestId('detail-chart')).toBeVisible();
  // Stop what is left, to free the cores for the next test; a fast machine has finished already.
  const cancel = page.getByTestId('cancel');
  if (await cancel.isVisible()) await cancel.click({ timeout: 5_000 }).catch(() => undefined);
});
