import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ascendLayer } from '../../workers/engine/ascent';
import { radiusOfLayer } from '../../workers/engine/compute';
import { inputGrid } from '../../workers/engine/ascent-regularisers';
import { prepare } from '../../workers/engine/prepare';
import { runForwardBatch } from '../../workers/engine/forward-batch';
import { reverseLayer } from '../../workers/engine/reverse';
import { layerById, writeSeed } from '../../workers/engine/seeds';
import { sizeOf } from '../../workers/engine/tensor';
import { DEFAULT_VALUE_RANGE } from '../../workers/engine/value-range';
import { readModel } from '../../workers/formats/index';
import { highFrequencyShare } from '../fixtures/ascent/spectrum';

const here = dirname(fileURLToPath(import.meta.url));
const FILE = join(here, '..', '..', '..', 'shared', 'models', 'keras', 'keras2.4_mlcommons_resnet8_cifar10.h5');

/**
 * Issue 17's check of the readable ascent on a trained CIFAR-10 network (the MLCommons
 * ResNet-8 of ../shared/models, 3×32×32 channels-last): with the defaults a user gets (256
 * steps, the CLI's radius of each layer and value range), on a sample of neurons across depths, the
 * activation the true model reaches is at least the surrogate x*'s for most neurons, and x*
 * has a smaller share of high-frequency energy than the surrogate's.
 *
 * Both are compared as images of the data range: the surrogate's x* is a deviation of norm r
 * around zero, half of whose values lie outside the range (a [0, 1] model fed −0.4), and the
 * readable x* is an image inside it; the surrogate's picture is mid-grey + x*, clipped to the
 * range. Outside the range the surrogate can reach what no image can: conv2d_1's neuron 0
 * reaches −1.32 at the raw x*, while sign-gradient ascent over the whole [0, 1] box tops out
 * at −1.92 (and the readable ascent reaches −1.92).
 * Both use the radius the gallery gives each layer (its receptive field's), and the layers
 * compared have no upper clip (ReLU, not the ReLU6 of MobileNets, where both would sit at 6).
 */
describe('readable ascent on a trained CIFAR-10 ResNet-8', () => {
  it.skipIf(!existsSync(FILE))('reaches at least the surrogate picture’s activation for most neurons, with less high-frequency energy (needs ../shared/models)', () => {
    const model = prepare(readModel([{ name: 'resnet8.h5', bytes: new Uint8Array(readFileSync(FILE)) }]));
    const grid = inputGrid(model);
    const size = sizeOf(model.inputFeatureShape);
    const range = model.graph.inputRange ?? DEFAULT_VALUE_RANGE;
    let higher = 0;
    let smoother = 0;
    let total = 0;
    for (const [layer, neurons] of [['conv2d_1', [0, 5, 10]], ['activation_3', [1, 17, 30]], ['conv2d_7', [2, 33, 60]], ['dense', [3, 8]]] as const) {
      // Both start from the radius the gallery gives this layer (the CLI's default: its receptive field's).
      const objective = { kind: 'neuron' as const };
      const options = { mode: 'surrogate' as const, objective, radius: radiusOfLayer(model, layer, { radius: { range }, objective }) };
      const surrogate = reverseLayer(model, layer, neurons, options);
      const readable = ascendLayer(model, layer, neurons, { ...options, ascent: { style: 'readable', seed: 0, range } });
      const pictures = Float32Array.from(surrogate.xstar, (v) => Math.min(range[1], Math.max(range[0], (range[0] + range[1]) / 2 + v)));
      const pictured = runForwardBatch(model, pictures, neurons.length, layer);
      const outSize = pictured.length / neurons.length;
      const seed = new Float32Array(outSize);
      for (let row = 0; row < neurons.length; row++) {
        total++;
        seed.fill(0);
        writeSeed(layerById(model, layer), neurons[row], options.objective, seed, 0);
        let reached = 0;
        for (let i = 0; i < outSize; i++) reached += seed[i] * pictured[row * outSize + i];
        if (readable.activations[row] >= reached - 1e-5 * Math.abs(reached)) higher++;
        const at = (x: Float32Array): Float32Array => x.subarray(row * size, (row + 1) * size);
        if (highFrequencyShare(at(readable.xstar), grid) < highFrequencyShare(at(surrogate.xstar), grid)) smoother++;
      }
    }
    expect(higher).toBeGreaterThanOrEqual(Math.ceil(0.8 * total));
    expect(smoother).toBeGreaterThanOrEqual(Math.ceil(0.8 * total));
  }, 600_000); // 11 neurons × 256 batched steps: two minutes on a busy machine
});
