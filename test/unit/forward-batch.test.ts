import { describe, expect, it } from 'vitest';
import { BENCH_MODELS } from '../../bench/models';
import { runForward } from '../../workers/engine/forward';
import { runForwardBatch } from '../../workers/engine/forward-batch';
import { withOptimised } from '../../workers/engine/optimise';
import { prepare, type PreparedModel } from '../../workers/engine/prepare';
import { sizeOf } from '../../workers/engine/tensor';
import { normalSampler } from '../../workers/formats/neurovis/init';
import { readModel } from '../../workers/formats/index';
import { loadOracles, modelFile } from '../oracle/linear-fixtures';
import { loadModeNetwork, MODE_NETWORKS } from '../fixtures/modes/load';

/**
 * Issue 18: the batched forward pass (one pass for the x* of many neurons) gives every
 * layer the values runForward gives image by image, whether a node runs batched
 * (OpDef.batchFirst) or image by image, in the optimised and the reference engine.
 */
function maxBatchDifference(model: PreparedModel, batch: number, layers = model.layers): number {
  const size = sizeOf(model.inputShape);
  const next = normalSampler(3);
  const inputs = Float32Array.from({ length: batch * size }, () => next());
  let error = 0;
  const single = Array.from({ length: batch }, (_, b) => runForward(model, inputs.subarray(b * size, (b + 1) * size)));
  for (const layer of layers) {
    const batched = runForwardBatch(model, inputs, batch, layer.id);
    const out = sizeOf(layer.featureShape);
    expect(batched.length, layer.id).toBe(batch * out);
    for (let b = 0; b < batch; b++) {
      const y = single[b].get(layer.id)!.data;
      for (let i = 0; i < out; i++) error = Math.max(error, Math.abs(batched[b * out + i] - y[i]) / Math.max(1, Math.abs(y[i])));
    }
  }
  return error;
}

describe('batched forward = forward image by image', () => {
  for (const name of MODE_NETWORKS) {
    it(`${name}: every layer, 5 inputs`, () => {
      const { model } = loadModeNetwork(name);
      expect(maxBatchDifference(model, 5)).toBeLessThanOrEqual(1e-6);
    });
  }

  it('linear oracle models: every layer, 3 inputs', () => {
    for (const m of loadOracles().models) {
      const model = prepare(readModel([modelFile(m)]));
      expect(maxBatchDifference(model, 3), m.name).toBeLessThanOrEqual(1e-6);
    }
  });

  it('LeNet-5 and VGG-like bench models: convolutions side by side, with a last pass narrower than the others', () => {
    const lenet = prepare(BENCH_MODELS.lenet5().graph);
    for (const optimised of [true, false]) expect(withOptimised(optimised, () => maxBatchDifference(lenet, 19))).toBeLessThanOrEqual(1e-6);
    const vgg = prepare(BENCH_MODELS.vgg().graph);
    expect(maxBatchDifference(vgg, 19, vgg.layers.slice(-4))).toBeLessThanOrEqual(1e-6);
  }, 60_000);

  it('refuses inputs of the wrong size, naming the sizes', () => {
    const { model } = loadModeNetwork('relu_mlp');
    expect(() => runForwardBatch(model, new Float32Array(3), 2, model.layers[0].id)).toThrow(/2 inputs need/);
  });
});
