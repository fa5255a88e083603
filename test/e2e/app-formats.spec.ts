// Every model format dropped on the window: galleries for every layer, and a neuron's
// heatmap values checked against the engine run on the same file in the test process.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { computeNeurons } from '../../workers/engine/compute';
import { prepare } from '../../workers/engine/prepare';
import { readModel } from '../../workers/formats/index';
import { modelInputLayout } from '../../workers/imaging/input-layout';
import { channelIndex } from '../../workers/imaging/thumbnail';
import { detailValues, dropFiles, focusLayer, openApp, waitForAllLayers } from './app-helpers';
import { DEFAULT_VALUE_RANGE } from '../../workers/engine/value-range';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SHARED = path.resolve(ROOT, '../shared/models');

interface Case {
  readonly name: string;
  readonly files: readonly string[];
  /** Real files from ../shared/models: skipped where that folder does not exist. */
  readonly shared?: boolean;
}

const CASES: readonly Case[] = [
  { name: 'ONNX (ReLU CNN)', files: ['test/fixtures/modes/relu_cnn.onnx'] },
  { name: 'ONNX quantised (QDQ, int8 per-channel weights)', files: ['test/fixtures/quantized-onnx/qdq_int8_per_channel.onnx'] },
  { name: 'ONNX (1-D convolution, a sequence input)', files: ['test/fixtures/linear/models/conv1d.onnx'] },
  { name: 'Keras HDF5 (channels-last convnet)', files: ['test/fixtures/keras/keras2.4_functional_convnet.h5'] },
  { name: 'Keras 3 .keras', files: ['test/fixtures/keras/keras3_sequential_mlp.keras'] },
  { name: 'TF.js (model.json and its shards)', files: ['test/fixtures/tfjs/convnet_quantized/model.json', 'test/fixtures/tfjs/convnet_quantized/group1-shard1of2.bin', 'test/fixtures/tfjs/convnet_quantized/group1-shard2of2.bin'] },
  { name: 'TF.js graph model (fused convolutions, float16 weights)', files: ['model.json', 'group1-shard1of2.bin', 'group1-shard2of2.bin'].map((f) => `test/fixtures/tfjs-graph/convnet_fp16/${f}`) },
  { name: 'Teachable Machine (nested Sequential and Model, metadata.json)', files: ['model.json', 'weights.bin', 'metadata.json'].map((f) => `test/fixtures/tfjs/teachable_machine/${f}`) },
  { name: 'TFLite uint8 (MobileNet block, quantised per tensor)', files: ['test/fixtures/tflite/mobilenet_u8.tflite'] },
  { name: 'TFLite int8 (per-channel weights, QUANTIZE/DEQUANTIZE)', files: ['test/fixtures/tflite/mobilenet_i8.tflite'] },
  { name: 'NumPy chain (.npz)', files: ['test/fixtures/numpy/chain12.npz'] },
  { name: 'TFLite MNIST MLP (real, float32)', files: ['tflite/float32_mnist_fc_tanh.tflite'], shared: true },
  { name: 'TF.js MNIST CNN (real, trained)', files: ['tfjs/keras2.12_mnist_cnn/model.json', 'tfjs/keras2.12_mnist_cnn/group1-shard1of1.bin'], shared: true },
];

function load(c: Case): { name: string; bytes: Uint8Array }[] {
  return c.files.map((f) => {
    const full = c.shared ? path.join(SHARED, f) : path.join(ROOT, f);
    return { name: path.basename(full), bytes: new Uint8Array(readFileSync(full)) };
  });
}

/** Opens the detail of neuron 0 of the last layer, on channel 0 when the input has several. */
async function openLastNeuron(page: Page, layer: string, channels: number): Promise<void> {
  await focusLayer(page, layer);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('neuron-detail')).toHaveAttribute('data-layer', layer);
  if (channels > 1) await page.getByTestId('neuron-detail').getByRole('tab').nth(1).click();
}

for (const c of CASES) {
  test(`drop: ${c.name}`, async ({ page }) => {
    const available = c.files.every((f) => existsSync(c.shared ? path.join(SHARED, f) : path.join(ROOT, f)));
    test.skip(!available, c.shared ? `${SHARED} is not here (the real models live beside the repository)` : 'fixture missing');
    const files = load(c);
    await openApp(page);
    await dropFiles(page, files);
    await expect(page.getByTestId('model-view')).toBeVisible();
    const states = await waitForAllLayers(page);
    expect(states.every((s) => s.failed === 0)).toBe(true);
    await expect(page.locator('[data-testid=notice][data-kind=error]')).toHaveCount(0);

    const model = prepare(readModel(files));
    expect(states.map((s) => s.layer)).toEqual(model.layers.map((l) => l.id));
    const quantization = model.graph.quantization;
    if (quantization) await expect(page.getByTestId('model-quantized')).toContainText(quantization.description);
    const last = model.layers[model.layers.length - 1];
    const mode = model.nonlinearNodes.length > 0 ? 'surrogate' : 'exact';
    const truth = computeNeurons(model, last.id, [0], { mode, objective: { kind: 'neuron' }, radius: { range: model.graph.inputRange ?? DEFAULT_VALUE_RANGE } });
    const layout = modelInputLayout({ inputShape: model.inputFeatureShape, inputLayout: model.inputLayout, imageShape: model.imageShape });
    const channels = layout.kind === 'image' ? layout.channels : 1;
    await openLastNeuron(page, last.id, channels);
    const values = await detailValues(page);
    const cols = layout.kind === 'image' ? layout.width : layout.kind === 'sequence' ? layout.length : layout.length;
    expect(values.length).toBeGreaterThan(0);
    for (const v of values) {
      // Tables hold one channel of an image, every channel of a sequence (one row each), or the vector.
      const expected = layout.kind === 'vector' ? truth.xstar[v.col] : layout.kind === 'sequence' ? truth.xstar[channelIndex(layout, v.row, v.col)] : truth.xstar[channelIndex(layout, 0, v.row * cols + v.col)];
      expect(Math.abs(v.value - expected)).toBeLessThanOrEqual(1e-5 + 1e-5 * Math.abs(expected));
    }
  });
}

test('a TorchScript file is recognised and refused with the ONNX export recipe', async ({ page }) => {
  await openApp(page);
  await dropFiles(page, load({ name: 'TorchScript', files: ['test/fixtures/torch/torchscript_mlp.pt'] }));
  // The notice names the file apart from the message.
  const notice = page.locator('[data-testid=notice][data-kind=error]');
  await expect(notice).toContainText('torchscript_mlp.pt');
  await expect(notice).toContainText('A TorchScript/PyTorch file; Neurovis reads ONNX: export it with torch.onnx.export(model, example_input, "model.onnx")');
});

test('drop: a file the model does not use is refused by name in a notice; the model opens', async ({ page }) => {
  const files = [...load(CASES[0]), { name: 'notes.txt', bytes: new TextEncoder().encode('not a model') }];
  await openApp(page);
  await dropFiles(page, files);
  await expect(page.getByTestId('model-view')).toBeVisible();
  const notice = page.locator('[data-testid=notice][data-kind=error]');
  await expect(notice).toHaveCount(1);
  // The notice names the file as its subject, then says why.
  await expect(notice).toContainText('notes.txt');
  await expect(notice).toContainText(/not a file relu_cnn\.onnx uses \(it uses [^)]*\); leave it out/i);
});
