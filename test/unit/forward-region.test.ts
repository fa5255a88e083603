import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BENCH_MODELS } from '../../bench/models';
import { runForwardBatch, runForwardBatchValues } from '../../workers/engine/forward-batch';
import { runForwardRegion, runForwardRegionValues, seedBox, type SpatialBox } from '../../workers/engine/forward-region';
import { reverseSeeds } from '../../workers/engine/reverse';
import { prepare, type PreparedModel } from '../../workers/engine/prepare';
import { sizeOf } from '../../workers/engine/tensor';
import { normalSampler } from '../../workers/formats/neurovis/init';
import { readModel } from '../../workers/formats/index';
import { loadModeNetwork } from '../fixtures/modes/load';

/**
 * Issue 18: the forward pass cropped to a neuron's cone gives, inside the box, the values of
 * the whole-map batched forward, for every conv layer of conv networks (padding, strides,
 * depthwise groups, residual Adds, ReLU6), at boxes at the centre, on a corner and wider
 * (to 1e-5 relative: the cropped convolutions may sum in another order).
 */
const SHARED = join(__dirname, '..', '..', '..', 'shared', 'models');
const MOBILENET = join(SHARED, 'onnx', 'pytorch_mobilenetv2_slim_mnist.onnx');
const RESNET8 = join(SHARED, 'keras', 'keras2.4_mlcommons_resnet8_cifar10.h5');

function boxesOf(shape: readonly number[]): SpatialBox[] {
  const [, H, W] = shape;
  const ch = Math.floor((H - 1) / 2);
  const cw = Math.floor((W - 1) / 2);
  return [
    { h0: ch, h1: ch + 1, w0: cw, w1: cw + 1 },
    { h0: 0, h1: 1, w0: W - 1, w1: W },
    { h0: Math.max(0, ch - 1), h1: Math.min(H, ch + 2), w0: 0, w1: Math.min(W, 2) },
  ];
}

/** Max relative difference over every cropped layer, and how many (layer, box) pairs were cropped. */
function maxRegionDifference(model: PreparedModel, batch: number): { error: number; cropped: number } {
  const size = sizeOf(model.inputShape);
  const next = normalSampler(5);
  const inputs = Float32Array.from({ length: batch * size }, () => next());
  let error = 0;
  let cropped = 0;
  for (const layer of model.layers) {
    if (layer.featureShape.length !== 3) continue;
    const full = runForwardBatch(model, inputs, batch, layer.id);
    const [C, H, W] = layer.featureShape;
    for (const box of boxesOf(layer.featureShape)) {
      const y = runForwardRegion(model, inputs, batch, layer.id, box);
      if (!y) continue;
      cropped++;
      const bh = box.h1 - box.h0;
      const bw = box.w1 - box.w0;
      expect(y.length, layer.id).toBe(batch * C * bh * bw);
      let o = 0;
      for (let p = 0; p < batch * C; p++) {
        for (let h = box.h0; h < box.h1; h++) {
          for (let w = box.w0; w < box.w1; w++) {
            const want = full[(p * H + h) * W + w];
            error = Math.max(error, Math.abs(y[o++] - want) / Math.max(1, Math.abs(want)));
          }
        }
      }
    }
  }
  return { error, cropped };
}

describe('forward pass cropped to the cone = whole-map forward pass, inside the box', () => {
  it('relu_cnn and resnet_block fixtures (padding, residual Add)', () => {
    for (const name of ['relu_cnn', 'resnet_block'] as const) {
      const { error, cropped } = maxRegionDifference(loadModeNetwork(name).model, 3);
      expect(cropped, name).toBeGreaterThan(0);
      expect(error, name).toBeLessThanOrEqual(1e-5);
    }
  });

  it('VGG-like bench model (3×3 convolutions, no pooling behind the first layers)', () => {
    const { error, cropped } = maxRegionDifference(prepare(BENCH_MODELS.vgg().graph), 2);
    expect(cropped).toBeGreaterThan(0);
    expect(error).toBeLessThanOrEqual(1e-5);
  }, 60_000);

  it.skipIf(!existsSync(MOBILENET))('a real MobileNetV2 (strided and depthwise convolutions, ReLU6, residual Adds; needs ../shared/models)', () => {
    const model = prepare(readModel([{ name: basename(MOBILENET), bytes: new Uint8Array(readFileSync(MOBILENET)) }]));
    const { error, cropped } = maxRegionDifference(model, 2);
    expect(cropped).toBeGreaterThan(5);
    expect(error).toBeLessThanOrEqual(1e-5);
  }, 60_000);

  it('no crop where the layer is not an image or nothing narrower than the input is needed', () => {
    const { model } = loadModeNetwork('relu_mlp');
    const inputs = new Float32Array(sizeOf(model.inputShape));
    for (const layer of model.layers) expect(runForwardRegion(model, inputs, 1, layer.id, { h0: 0, h1: 1, w0: 0, w1: 1 })).toBeNull();
  });

  it('seedBox: the box of the non-zero seeds over the batch', () => {
    const seeds = new Float32Array(2 * 2 * 4 * 5);
    seeds[(0 * 2 + 1) * 20 + 1 * 5 + 3] = 1;
    seeds[(1 * 2 + 0) * 20 + 2 * 5 + 1] = -2;
    expect(seedBox([2, 4, 5], seeds, 2)).toEqual({ h0: 1, h1: 3, w0: 1, w1: 4 });
    expect(seedBox([2, 4, 5], new Float32Array(40), 1)).toBeNull();
    expect(seedBox([40], new Float32Array(40), 1)).toBeNull();
  });

  /**
   * The readable ascent's step: a local reversal, each seed at its own image, from the values
   * kept on the cone (zero outside it) is the reversal from the whole-map values (to 1e-5).
   */
  function coneReversalError(model: PreparedModel, tensors: readonly string[], batch: number): { error: number; cropped: number } {
    const size = sizeOf(model.inputShape);
    const next = normalSampler(9);
    const inputs = Float32Array.from({ length: batch * size }, () => 0.5 + 0.25 * next());
    let error = 0;
    let cropped = 0;
    for (const tensor of tensors) {
      const v = model.producer.get(tensor)!;
      const [, C, H, W] = v.outputShapes[0];
      const seeds = new Float32Array(batch * C * H * W);
      for (let b = 0; b < batch; b++) seeds[((b * C + (b % C)) * H + (H >> 1)) * W + (W >> 1)] = 1;
      const box = seedBox([C, H, W], seeds, batch)!;
      const kept = runForwardRegionValues(model, inputs, batch, tensor, box);
      if (!kept) continue;
      cropped++;
      const want = reverseSeeds(model, tensor, seeds, batch, 'local', runForwardBatchValues(model, inputs, batch, tensor), true);
      const got = reverseSeeds(model, tensor, seeds, batch, 'local', kept, true);
      const scale = Math.max(...want.map(Math.abs));
      expect(scale, tensor).toBeGreaterThan(0);
      for (let i = 0; i < want.length; i++) error = Math.max(error, Math.abs(got[i] - want[i]) / scale);
    }
    return { error, cropped };
  }

  it('values kept on the cone give the per-seed local reversal of the whole-map values (resnet_block fixture)', () => {
    const { model } = loadModeNetwork('resnet_block');
    const tensors = model.layers.filter((l) => l.featureShape.length === 3).map((l) => l.id);
    const { error, cropped } = coneReversalError(model, tensors, 3);
    expect(cropped).toBeGreaterThan(0);
    expect(error).toBeLessThanOrEqual(1e-5);
  });

  it.skipIf(!existsSync(RESNET8))('… and on a Keras ResNet-8 with a channels-last input (the input Transpose runs whole; needs ../shared/models)', () => {
    const model = prepare(readModel([{ name: basename(RESNET8), bytes: new Uint8Array(readFileSync(RESNET8)) }]));
    const tensors = ['conv2d_1/conv', 'activation_2/relu', 'batch_normalization_3/batch_norm', 'conv2d_6/conv'];
    const { error, cropped } = coneReversalError(model, tensors, 2);
    expect(cropped).toBe(tensors.length);
    expect(error).toBeLessThanOrEqual(1e-5);
  }, 60_000);
});
