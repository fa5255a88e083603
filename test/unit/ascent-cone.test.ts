import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BENCH_MODELS } from '../../bench/models';
import { coneModel, foldedModel } from '../../workers/engine/ascent-cone';
import { coneCropOp } from '../../workers/engine/ascent-cone-crop';
import { ancestorsOf } from '../../workers/engine/forward';
import { runForwardBatchValues } from '../../workers/engine/forward-batch';
import type { SpatialBox } from '../../workers/engine/forward-region';
import { reverseSeeds } from '../../workers/engine/reverse';
import { prepare, type PreparedModel } from '../../workers/engine/prepare';
import { sizeOf } from '../../workers/engine/tensor';
import { normalSampler } from '../../workers/formats/neurovis/init';
import { readModel } from '../../workers/formats/index';
import { loadModeNetwork } from '../fixtures/modes/load';

/**
 * Issue 18: the model cut to a neuron's cone (ascent-cone.ts) against the whole model, by
 * definition: inside the box its forward values are the whole model's, and its reversal
 * (local, each seed at its own image; and the surrogate), pasted into the whole input, is the
 * whole model's reversal from the same seeds (to 1e-5 relative), at boxes at the centre, on a
 * corner and wider; residual Adds and convolutions reading less of a tensor than its other
 * readers (a crop first), strides, depthwise groups, a channels-last input.
 */
const SHARED = join(__dirname, '..', '..', '..', 'shared', 'models');
const MOBILENET = join(SHARED, 'onnx', 'pytorch_mobilenetv2_slim_mnist.onnx');
const RESNET8 = join(SHARED, 'keras', 'keras2.4_mlcommons_resnet8_cifar10.h5');

/** The centre, the bottom-left corner and a box two rows by three columns from the top (clipped to the map). */
function boxesOf(H: number, W: number): SpatialBox[] {
  const mid = (n: number): number => (n - 1) >> 1;
  const centre = { h0: mid(H), h1: mid(H) + 1, w0: mid(W), w1: mid(W) + 1 };
  return [centre, { h0: H - 1, h1: H, w0: 0, w1: 1 }, { h0: 0, h1: Math.min(H, 2), w0: mid(W), w1: Math.min(W, mid(W) + 3) }];
}

function relative(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  let error = 0;
  for (let i = 0; i < want.length; i++) error = Math.max(error, Math.abs(got[i] - want[i]) / Math.max(scale, 1e-12));
  return error;
}

/** The largest relative difference over the model's image layers and boxes, and how many (layer, box) pairs had a cone. */
function coneError(model: PreparedModel, batch: number, layers = model.layers.filter((l) => l.featureShape.length === 3).map((l) => l.id)): { error: number; cones: number } {
  const next = normalSampler(11);
  const inputs = Float32Array.from({ length: batch * sizeOf(model.inputShape) }, () => 0.5 + 0.25 * next());
  let error = 0;
  let cones = 0;
  for (const tensor of layers) {
    const [, C, H, W] = model.shapes.get(tensor)!;
    if (H === undefined || W === undefined) continue;
    for (const box of boxesOf(H, W)) {
      const cone = coneModel(model, tensor, box);
      if (!cone) continue;
      cones++;
      const seeds = new Float32Array(batch * C * H * W);
      for (let b = 0; b < batch; b++) {
        for (let h = box.h0; h < box.h1; h++) for (let w = box.w0; w < box.w1; w++) seeds[((b * C + (b % C)) * H + h) * W + w] = next();
      }
      const whole = runForwardBatchValues(model, inputs, batch, tensor);
      const cut = runForwardBatchValues(cone.model, cone.cropInputs(inputs, batch), batch, tensor);
      // Values inside the box.
      const y = whole.get(tensor)!.data;
      const cy = cut.get(tensor)!.data;
      const size = C * H * W;
      const inBox: number[] = [];
      const got: number[] = [];
      for (let b = 0; b < batch; b++) {
        for (let i = 0; i < size; i++) {
          const j = cone.index(i);
          if (j < 0) continue;
          inBox.push(y[b * size + i]);
          got.push(cy[b * (cy.length / batch) + j]);
        }
      }
      error = Math.max(error, relative(got, inBox));
      const cropped = cone.cropSeeds(seeds, batch);
      for (const mode of ['local', 'surrogate'] as const) {
        const want = reverseSeeds(model, tensor, seeds, batch, mode, whole, true);
        const g = cone.pasteInputs(reverseSeeds(cone.model, tensor, cropped, batch, mode, cut, true), batch);
        // A seed behind a ReLU off at its image has no local gradient: the surrogate's is never all zero here.
        if (mode === 'surrogate') expect(Math.max(...want.map(Math.abs)), tensor).toBeGreaterThan(0);
        error = Math.max(error, relative(g, want));
      }
    }
  }
  return { error, cones };
}

function load(file: string): PreparedModel {
  return prepare(readModel([{ name: basename(file), bytes: new Uint8Array(readFileSync(file)) }]));
}

describe('the model cut to a cone = the whole model inside the box (values and reversals)', () => {
  const cases: [string, () => PreparedModel, number, boolean][] = [
    ['relu_cnn fixture (padding)', () => loadModeNetwork('relu_cnn').model, 1, true],
    ['resnet_block fixture (residual Add)', () => loadModeNetwork('resnet_block').model, 1, true],
    ['VGG-like bench model', () => prepare(BENCH_MODELS.vgg().graph), 1, true],
    ['a real MobileNetV2 (strided and depthwise convolutions, ReLU6; needs ../shared/models)', () => load(MOBILENET), 6, existsSync(MOBILENET)],
  ];
  it.each(cases)('%s', (_, model, atLeast, present) => {
    if (!present) return;
    const { error, cones } = coneError(model(), 2);
    expect(cones).toBeGreaterThanOrEqual(atLeast);
    expect(error).toBeLessThanOrEqual(1e-5);
  }, 120_000);

  it.skipIf(!existsSync(RESNET8))('a Keras ResNet-8 (channels-last input, strided 1×1 shortcuts reading less than their siblings; needs ../shared/models)', () => {
    const model = load(RESNET8);
    const { error, cones } = coneError(model, 2, ['activation_2/relu', 'conv2d_5/conv', 'add_1/add', 'conv2d_8/conv', 'activation_6/relu']);
    expect(cones).toBeGreaterThanOrEqual(10);
    expect(error).toBeLessThanOrEqual(1e-5);
  }, 120_000);

  it('cropping the input and pasting a gradient back are adjoint: ⟨crop x, g⟩ = ⟨x, paste g⟩', () => {
    const { model } = loadModeNetwork('resnet_block');
    const layer = model.layers.find((l) => l.featureShape.length === 3)!;
    const [, H, W] = layer.featureShape;
    const cone = coneModel(model, layer.id, { h0: 0, h1: 1, w0: W - 1, w1: W })!;
    expect(cone).not.toBeNull();
    expect(H).toBeGreaterThan(1);
    const next = normalSampler(3);
    const x = Float32Array.from({ length: 2 * sizeOf(model.inputShape) }, () => next());
    const cx = cone.cropInputs(x, 2);
    expect(cx.length).toBeLessThan(x.length);
    const g = Float32Array.from({ length: cx.length }, () => next());
    const px = cone.pasteInputs(g, 2);
    let a = 0;
    let b = 0;
    for (let i = 0; i < cx.length; i++) a += cx[i] * g[i];
    for (let i = 0; i < x.length; i++) b += x[i] * px[i];
    expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(a)));
  });

  /** The folded model (ascent-fold.ts) against the model: values of `target` and both reversals from one seed per row, and how many nodes folding removed. */
  function foldError(model: PreparedModel, target: string, batch: number): { error: number; removed: number } {
    const folded = foldedModel(model, target);
    const next = normalSampler(5);
    const inputs = Float32Array.from({ length: batch * sizeOf(model.inputShape) }, () => 0.5 + 0.25 * next());
    const want = runForwardBatchValues(model, inputs, batch, target);
    const got = runForwardBatchValues(folded.model, inputs, batch, target);
    let error = relative(got.get(target)!.data, want.get(target)!.data);
    const size = sizeOf(model.shapes.get(target)!);
    const seeds = new Float32Array(batch * size);
    for (let b = 0; b < batch; b++) seeds[b * size + ((b * 7919) % size)] = 1;
    for (const mode of ['local', 'surrogate'] as const) {
      error = Math.max(error, relative(reverseSeeds(folded.model, target, seeds, batch, mode, got, true), reverseSeeds(model, target, seeds, batch, mode, want, true)));
    }
    return { error, removed: ancestorsOf(model, target).length - folded.model.nodes.length };
  }

  it('BatchNormalization folded into the convolution before it: the same values and reversals (ResNet-18-shaped bench model, first block)', () => {
    const model = prepare(BENCH_MODELS.resnet18().graph);
    const pool = model.nodes.find((v) => v.node.opType === 'AveragePool')!;
    const { error, removed } = foldError(model, pool.node.outputs[0], 2);
    expect(removed).toBe(1);
    expect(error).toBeLessThanOrEqual(1e-5);
  }, 60_000);

  it.skipIf(!existsSync(RESNET8))('… and on the Keras ResNet-8 up to its last Add (every BatchNormalization behind it folded; needs ../shared/models)', () => {
    const model = load(RESNET8);
    const { error, removed } = foldError(model, 'add_2/add', 2);
    expect(removed).toBe(ancestorsOf(model, 'add_2/add').filter((v) => v.node.opType === 'BatchNormalization').length);
    expect(error).toBeLessThanOrEqual(1e-5);
  }, 60_000);

  it('the cone crop op: forward is the box of each plane by definition, its reversal the adjoint', () => {
    const [n, c, H, W] = [3, 2, 5, 7];
    const [top, left, h, w] = [1, 2, 3, 4];
    const node = { name: 'crop', opType: 'ConeCrop', inputs: ['x'], outputs: ['y'], attrs: { box: [top, left, h, w] } };
    const next = normalSampler(8);
    const x = Float32Array.from({ length: n * c * H * W }, () => next());
    const [y] = coneCropOp.forward({ node, inputShapes: [[n, c, H, W]], constants: [undefined], opset: 13 }, [{ dtype: 'float32', shape: [n, c, H, W], data: x }]);
    expect(y.shape).toEqual([n, c, h, w]);
    for (let p = 0; p < n * c; p++) {
      for (let r = 0; r < h; r++) for (let q = 0; q < w; q++) expect(y.data[(p * h + r) * w + q]).toBe(x[(p * H + top + r) * W + left + q]);
    }
    const g = Float32Array.from({ length: n * c * h * w }, () => next());
    const ctx = { node, inputShapes: [[1, c, H, W]], constants: [undefined], opset: 13, outputShapes: [[1, c, h, w]], batch: n, mode: 'local' as const };
    const [gx] = coneCropOp.reverse!(ctx, [g]);
    let a = 0;
    let b = 0;
    for (let i = 0; i < g.length; i++) a += y.data[i] * g[i];
    for (let i = 0; i < x.length; i++) b += x[i] * gx![i];
    expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(a)));
  });
});
