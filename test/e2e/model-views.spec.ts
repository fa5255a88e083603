// The model's graph and weights views, and comparing a neuron under several modes (browser build).
import { expect, test } from '@playwright/test';
import { prepare } from '../../workers/engine/prepare';
import { readModel } from '../../workers/formats/index';
import { colormapLut, lutIndex } from '../../workers/imaging/colormap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { layoutGraph, REARRANGEMENTS } from '../../renderer/src/domain/graph-layout';
import { describeStructure } from '../../workers/engine/structure';
import { encodeNpy } from '../../workers/formats/numpy/npy';
import { APP_RADIUS, appReference, dropFiles, engineResult, example, openApp, openExample, pageErrors, specFile } from './app-helpers';

test('the graph view draws the model, shows a node\'s shapes and parameters, and opens its gallery section', async ({ page }) => {
  const errors = pageErrors(page);
  const file = specFile(example('small-convnet'));
  const graph = readModel([{ name: file.name, bytes: file.bytes }]);
  const model = prepare(graph);
  await openApp(page);
  await openExample(page, 'small-convnet');
  await page.getByTestId('view-graph').click();
  const view = page.getByTestId('graph-view');
  await expect(view).toBeVisible();
  await expect(page.getByTestId('graph-chart')).toBeVisible();
  // One box per node that is not a rearrangement, plus the input.
  const kept = model.nodes.filter((n) => !['Reshape', 'Flatten', 'Transpose', 'Squeeze', 'Unsqueeze', 'Identity', 'Dropout', 'Cast', 'Expand'].includes(n.node.opType));
  await expect(view).toHaveAttribute('data-nodes', String(kept.length + 1));

  const conv = model.nodes.find((n) => n.node.opType === 'Conv')!;
  const params = conv.node.inputs.filter((i) => graph.initializers.has(i)).reduce((a, i) => a + graph.initializers.get(i)!.data.length, 0);
  await page.locator('details.list > summary').click();
  await page.locator(`[data-testid=graph-node][data-node="${conv.node.name}"]`).click();
  const info = page.getByTestId('graph-node-info');
  await expect(info).toHaveAttribute('data-node', conv.node.name);
  await expect(page.getByTestId('graph-node-params')).toHaveAttribute('data-value', String(params));
  await expect(page.getByTestId('graph-node-shape')).toHaveText(conv.outputShapes.map((s) => s.join(' × ')).join('; '));
  await expect(page.getByTestId('graph-node-attrs')).toContainText('kernel_shape');

  const layer = model.layers.find((l) => l.node === conv.node.name)!;
  await page.getByTestId('graph-open-layer').click();
  await expect(page.getByTestId('gallery')).toBeVisible();
  await expect(page.locator(`[data-testid=layer-item][data-layer="${layer.id}"]`)).toHaveClass(/active/);
  await expect(page.locator(`[data-testid=gallery-header][data-layer="${layer.id}"]`)).toBeInViewport();
  expect(errors).toEqual([]);
});

test('the weights view draws the first layer\'s kernels with the colormap and a histogram of any layer\'s weights', async ({ page }) => {
  const errors = pageErrors(page);
  const file = specFile(example('small-convnet'));
  const graph = readModel([{ name: file.name, bytes: file.bytes }]);
  const convs = graph.nodes.filter((n) => n.opType === 'Conv');
  const w = graph.initializers.get(convs[0].inputs[1])!;
  const [o, , kh, kw] = w.shape;
  await openApp(page);
  await openExample(page, 'small-convnet');
  await page.getByTestId('view-weights').click();
  await expect(page.getByTestId('weights-view')).toBeVisible();
  await expect(page.getByTestId('kernel')).toHaveCount(o);

  // Kernel 0, tap by tap: the colour of w / max|w| in the colormap.
  const m = Math.max(...[...w.data].map(Math.abs));
  const lut = colormapLut('rdbu');
  const pixels = await page.locator('[data-testid=kernel][data-index="0"]').evaluate(async (img: HTMLImageElement, [kh, kw]) => {
    await img.decode();
    const c = new OffscreenCanvas(img.naturalWidth, img.naturalHeight);
    const ctx = c.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const cell = img.naturalWidth / kw;
    const out: number[][] = [];
    for (let r = 0; r < kh; r++) for (let q = 0; q < kw; q++) out.push([...ctx.getImageData(Math.floor((q + 0.5) * cell), Math.floor((r + 0.5) * cell), 1, 1).data].slice(0, 3));
    return out;
  }, [kh, kw]);
  const expected = Array.from({ length: kh * kw }, (_, p) => {
    const k = lutIndex(w.data[p], m) * 3;
    return [lut[k], lut[k + 1], lut[k + 2]];
  });
  expect(pixels).toEqual(expected);

  await page.getByTestId('weights-node').selectOption(convs[1].name);
  const w2 = graph.initializers.get(convs[1].inputs[1])!;
  await expect(page.getByTestId('weights-stats')).toHaveAttribute('data-total', String(w2.data.length));
  await expect(page.getByTestId('weights-histogram')).toBeVisible();
  expect(errors).toEqual([]);
});

/** Opens the small convnet's neuron 3 of conv2 in the neuron view (found through the search box). */
async function openConv2Neuron3(page: import('@playwright/test').Page): Promise<void> {
  await openApp(page);
  await openExample(page, 'small-convnet');
  await page.locator('[data-testid=layer-item][data-layer=conv2] button').click();
  await page.getByTestId('search').fill('conv2 3');
  await page.getByTestId('search').press('Enter');
  await page.getByTestId('search').press('Escape');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('neuron-detail')).toHaveAttribute('data-neuron', '3');
}

test('comparing a neuron shows it under several modes, each with the activation the true model reaches', async ({ page }) => {
  const errors = pageErrors(page);
  await openConv2Neuron3(page);
  await page.getByTestId('compare-open').click();
  const view = page.getByTestId('compare-view');
  await expect(view).toHaveAttribute('data-neuron', '3');
  // A nonlinear model: surrogate, guided backprop and ascent by default; ascent is left out here.
  await page.locator('[data-testid=compare-mode][data-mode=ascent]').uncheck();
  const cards = page.getByTestId('compare-card');
  await expect(cards).toHaveCount(2);
  for (const mode of ['surrogate', 'guided'] as const) {
    const card = page.locator(`[data-testid=compare-card][data-mode=${mode}]`);
    await expect(card).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
    const spec = example('small-convnet');
    const truth = engineResult(spec, 'conv2', [3], { mode, objective: { kind: 'neuron' }, radius: APP_RADIUS, ...(mode === 'guided' ? { reference: appReference(spec) } : {}) });
    const shown = Number(await card.getAttribute('data-activation'));
    expect(Math.abs(shown - truth.activations[0]), mode).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(truth.activations[0])));
    await expect(card.locator('img')).toBeVisible();
  }
  // The exact mode refuses a nonlinear network, and its card says so.
  await page.locator('[data-testid=compare-mode][data-mode=exact]').check();
  await expect(page.locator('[data-testid=compare-card][data-mode=exact]')).toHaveAttribute('data-state', 'failed', { timeout: 60_000 });
  expect(errors).toEqual([]);
});

test('comparing a neuron at two reference inputs under one mode shows each x* with the activation the true model reaches', async ({ page }) => {
  const errors = pageErrors(page);
  const spec = example('small-convnet');
  const file = specFile(spec);
  const size = prepare(readModel([{ name: file.name, bytes: file.bytes }])).inputFeatureShape.reduce((a, b) => a * b, 1);
  let seed = 7;
  const sample = Float32Array.from({ length: size }, () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648));
  await openConv2Neuron3(page);
  await page.getByTestId('compare-open').click();
  await page.getByTestId('compare-kind-references').check();
  await page.getByTestId('compare-reference-mode').selectOption('guided');
  // A: mid-grey (the default); B: a sample given as a .npy file.
  const b = page.locator('[data-testid=compare-reference][data-side=B]');
  await b.getByTestId('compare-reference-source').selectOption('file');
  await expect(page.locator('[data-testid=compare-card][data-reference=B]')).toHaveAttribute('data-state', 'failed');
  const choosing = page.waitForEvent('filechooser');
  await b.getByTestId('compare-reference-file').click();
  await (await choosing).setFiles({ name: 'sample.npy', mimeType: 'application/octet-stream', buffer: Buffer.from(encodeNpy([size], sample)) });
  await expect(b.getByTestId('compare-reference-file')).toHaveText('sample.npy');
  const shown: number[] = [];
  for (const [side, reference] of [['A', new Float32Array(size).fill(0.5)], ['B', sample]] as const) {
    const card = page.locator(`[data-testid=compare-card][data-reference=${side}]`);
    await expect(card).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
    await expect(card.locator('img')).toBeVisible();
    const truth = engineResult(spec, 'conv2', [3], { mode: 'guided', objective: { kind: 'neuron' }, radius: APP_RADIUS, reference });
    const activation = Number(await card.getAttribute('data-activation'));
    expect(Math.abs(activation - truth.activations[0]), side).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(truth.activations[0])));
    shown.push(activation);
  }
  // The two reference inputs give guided backprop different answers (else this test could not tell them apart).
  expect(Math.abs(shown[0] - shown[1])).toBeGreaterThan(1e-4);
  // Another neuron's x* as a reference: the gallery's own row for neuron 0.
  await b.getByTestId('compare-reference-source').selectOption('neuron');
  await expect(page.locator('[data-testid=compare-card][data-reference=B]')).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  await expect(page.locator('[data-testid=compare-card][data-reference=B] figcaption')).toContainText('x* of neuron 0');
  await page.screenshot({ path: test.info().outputPath('compare-references.png') });
  expect(errors).toEqual([]);
});

/** The graph view's zoom and the part of the drawing on screen, [x0, y0, x1, y1], as ECharts reports them. */
async function graphView(page: import('@playwright/test').Page): Promise<{ zoom: number; visible: number[]; world: number[] }> {
  const el = page.getByTestId('graph-scroll');
  const [zoom, visible, world] = await Promise.all([el.getAttribute('data-zoom'), el.getAttribute('data-visible'), el.getAttribute('data-world')]);
  return { zoom: Number(zoom), visible: visible!.split(' ').map(Number), world: world!.split(' ').map(Number) };
}

test('the graph view zooms and pans by wheel, drag, buttons and keys, fits the model to the view, and keeps rearrangements folded', async ({ page }) => {
  const errors = pageErrors(page);
  await page.setViewportSize({ width: 800, height: 600 });
  const full = path.resolve(import.meta.dirname, '../fixtures/modes/resnet_block.onnx');
  const bytes = new Uint8Array(readFileSync(full));
  const layout = layoutGraph(describeStructure(prepare(readModel([{ name: 'resnet_block.onnx', bytes }]))));
  await openApp(page, { compute: { mode: 'surrogate', objective: 'neuron', position: [0, 0], radius: 1, ascentSteps: 200, preview: 1 } });
  await dropFiles(page, [{ name: 'resnet_block.onnx', bytes }]);
  await page.getByTestId('view-graph').click();
  const view = page.getByTestId('graph-view');
  await expect(view).toHaveAttribute('data-nodes', String(layout.boxes.length));
  const box = (await page.getByTestId('graph-scroll').boundingBox())!;
  // At its own size, top first.
  const start = await graphView(page);
  expect(start.zoom).toBe(1);
  expect(start.visible[1]).toBe(0);
  expect(start.visible[3] - start.visible[1]).toBeCloseTo(box.height, -1);
  expect(start.world[1]).toBeGreaterThan(box.height);

  // The wheel zooms in about the cursor: the point under it stays under it.
  const cursor = { x: box.x + box.width * 0.3, y: box.y + box.height * 0.4 };
  const under = (v: { visible: number[] }) => [v.visible[0] + ((v.visible[2] - v.visible[0]) * (cursor.x - box.x)) / box.width, v.visible[1] + ((v.visible[3] - v.visible[1]) * (cursor.y - box.y)) / box.height];
  await page.mouse.move(cursor.x, cursor.y);
  await page.mouse.wheel(0, -400);
  await expect.poll(async () => (await graphView(page)).zoom).toBeGreaterThan(1);
  const zoomed = await graphView(page);
  under(zoomed).forEach((v, i) => expect(Math.abs(v - under(start)[i])).toBeLessThan(3));

  // A drag pans: the drawing follows the mouse.
  await page.mouse.down();
  await page.mouse.move(cursor.x + 100, cursor.y + 60, { steps: 5 });
  await page.mouse.up();
  await expect.poll(async () => (await graphView(page)).visible[0]).toBeLessThan(zoomed.visible[0] - 100 / zoomed.zoom + 3);
  const dragged = await graphView(page);
  expect(dragged.zoom).toBe(zoomed.zoom);
  expect(dragged.visible[1]).toBeCloseTo(zoomed.visible[1] - 60 / zoomed.zoom, -1);

  // Buttons.
  await page.getByTestId('graph-zoom-out').click();
  await expect.poll(async () => (await graphView(page)).zoom).toBeCloseTo(dragged.zoom / 1.25, 2);
  await page.getByTestId('graph-fit').click();
  const fitted = await graphView(page);
  expect(fitted.zoom).toBeLessThan(1);
  // The whole drawing is on screen (above the zoom buttons, 48 px), and fills it one way.
  expect(fitted.visible[0]).toBeLessThanOrEqual(0.5);
  expect(fitted.visible[1]).toBeLessThanOrEqual(0.5);
  expect(fitted.visible[2]).toBeGreaterThanOrEqual(fitted.world[0] - 0.5);
  expect(fitted.visible[3]).toBeGreaterThanOrEqual(fitted.world[1] - 0.5);
  const spare = [box.width - fitted.world[0] * fitted.zoom, box.height - 48 - fitted.world[1] * fitted.zoom];
  expect(Math.min(...spare)).toBeLessThan(2);
  expect(fitted.visible[3] - fitted.world[1]).toBeGreaterThanOrEqual(48 / fitted.zoom - 2);
  await page.getByTestId('graph-actual-size').click();
  await expect.poll(async () => (await graphView(page)).zoom).toBe(1);

  // Keys, with the focus on the drawing.
  await page.getByTestId('graph-scroll').focus();
  await page.keyboard.press('+');
  await expect.poll(async () => (await graphView(page)).zoom).toBe(1.25);
  const before = await graphView(page);
  await page.keyboard.press('ArrowDown');
  const after = await graphView(page);
  expect(after.visible[1] - before.visible[1]).toBeCloseTo(80 / 1.25, 0);
  await page.keyboard.press('0');
  expect((await graphView(page)).zoom).toBe(fitted.zoom);

  // However it is zoomed, the boxes are the same: rearrangements stay folded into the edges.
  await expect(view).toHaveAttribute('data-nodes', String(layout.boxes.length));
  await page.locator('details.list > summary').click();
  const listed = await page.getByTestId('graph-node').evaluateAll((els) => els.map((e) => e.textContent ?? ''));
  expect(listed).toHaveLength(layout.boxes.length);
  for (const op of REARRANGEMENTS) expect(listed.filter((t) => t.startsWith(`${op} ·`))).toEqual([]);
  await page.screenshot({ path: test.info().outputPath('graph-fit-800x600.png') });
  expect(errors).toEqual([]);
});
