// The model's graph and weights views, and comparing a neuron under several modes (browser build).
import { expect, test } from '@playwright/test';
import { prepare } from '../../workers/engine/prepare';
import { readModel } from '../../workers/formats/index';
import { example, openApp, openExample, specFile, pageErrors } from './app-helpers';

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
