// The model's graph and weights views, and comparing a neuron under several modes (browser build).
import { expect, test } from '@playwright/test';
import { prepare } from '../../workers/engine/prepare';
import { readModel } from '../../workers/formats/index';
import { colormapLut, lutIndex } from '../../workers/imaging/colormap';
import { engineResult, example, openApp, openExample, pageErrors, specFile } from './app-helpers';

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

test('comparing a neuron shows it under several modes, each with the activation the true model reaches', async ({ page }) => {
  const errors = pageErrors(page);
  await openApp(page);
  await openExample(page, 'small-convnet');
  await page.locator('[data-testid=layer-item][data-layer=conv2] button').click();
  await page.getByTestId('search').fill('conv2 3');
  await page.getByTestId('search').press('Enter');
  await page.getByTestId('search').press('Escape');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('neuron-detail')).toHaveAttribute('data-neuron', '3');
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
    const truth = engineResult(example('small-convnet'), 'conv2', [3], { mode, objective: { kind: 'neuron' }, radius: 1 });
    const shown = Number(await card.getAttribute('data-activation'));
    expect(Math.abs(shown - truth.activations[0]), mode).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(truth.activations[0])));
    await expect(card.locator('img')).toBeVisible();
  }
  // The exact mode refuses a nonlinear network, and its card says so.
  await page.locator('[data-testid=compare-mode][data-mode=exact]').check();
  await expect(page.locator('[data-testid=compare-card][data-mode=exact]')).toHaveAttribute('data-state', 'failed', { timeout: 60_000 });
  expect(errors).toEqual([]);
});
