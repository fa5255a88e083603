import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runForward } from '../../workers/engine/forward';
import { runForwardBatchValues } from '../../workers/engine/forward-batch';
import { channelsFirstKind, channelsFirstRuns, toChannels, toImages } from '../../workers/engine/forward-channels';
import type { AttrValue, Graph, GraphNode } from '../../workers/engine/graph';
import { poisonRecycled } from '../../workers/engine/kernels/scratch';
import { withOptimised } from '../../workers/engine/optimise';
import { prepare, type PreparedModel } from '../../workers/engine/prepare';
import { floatTensor, sizeOf, type Tensor } from '../../workers/engine/tensor';
import { normalSampler } from '../../workers/formats/neurovis/init';
import { batchError } from '../fixtures/batch-error';
import { readModel } from '../../workers/formats/index';

/**
 * Issue 18: the batched forward pass stores small maps channels-first (forward-channels.ts):
 * 1×1 convolutions as one GEMM over the batch, depthwise convolutions over C·B planes,
 * elementwise ops on the rows. Every layer must equal the reference engine image by image
 * (runForward, optimised paths off) to 1e-5 relative, for depthwise convolutions with stride
 * 2, padding, bias or none, a channel multiplier and other groups (those run image-major, as
 * do a full 3×3 convolution and a Concat between channels-first nodes), BatchNormalization,
 * Add of two maps and of a per-channel constant, Clip, a global pool behind, and wide maps in
 * front (image-major), for batches of 1, 3 and 70, with every layer as the target.
 */
function network(): PreparedModel {
  const next = normalSampler(21);
  const initializers = new Map<string, Tensor>();
  const nodes: GraphNode[] = [];
  const param = (shape: number[], sd: number, offset = 0): string => {
    const name = `p${initializers.size}`;
    initializers.set(name, floatTensor(shape, Float32Array.from({ length: sizeOf(shape) }, () => offset + sd * next())));
    return name;
  };
  const node = (opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}): string => {
    const name = `${opType.toLowerCase()}${nodes.length}`;
    nodes.push({ name, opType, inputs, outputs: [name], attrs });
    return name;
  };
  const conv = (x: string, c: number, out: number, k: number, stride: number, pad: number, group = 1, bias = true): string =>
    node('Conv', [x, param([out, c / group, k, k], 1 / Math.sqrt((c / group) * k * k)), ...(bias ? [param([out], 0.5)] : [])], {
      kernel_shape: [k, k], strides: [stride, stride], pads: [pad, pad, pad, pad], group,
    });
  const relu6 = (x: string): string => node('Clip', [x, param([], 0, 0), param([], 0, 6)]);
  // 3×20×20 (400 positions: image-major) → 1×1 conv 3→8 → depthwise 3×3 stride 2 pad 1 (→ 10×10)
  const a = relu6(conv(conv('input', 3, 8, 1, 1, 0), 8, 8, 3, 2, 1, 8));
  // BatchNormalization, 1×1 expansion without bias, depthwise without bias, Add of the two
  const bn = node('BatchNormalization', [a, param([8], 0.3, 1), param([8], 0.2), param([8], 0.2), param([8], 0.1, 1)], { epsilon: 1e-5 });
  const e = relu6(conv(bn, 8, 16, 1, 1, 0, 1, false));
  const dw = conv(e, 16, 16, 3, 1, 1, 16, false);
  const sum = node('Add', [dw, e]);
  // a per-channel constant added, a depthwise 5×5 stride 2 pad 2 (→ 5×5), a channel multiplier and other groups (image-major)
  const shifted = node('Add', [sum, param([16, 1, 1], 0.5)]);
  const d5 = conv(shifted, 16, 16, 5, 2, 2, 16);
  const mult = conv(d5, 16, 32, 3, 1, 1, 16);
  const grouped = conv(mult, 32, 16, 3, 1, 1, 4);
  // a full 3×3 convolution and a Concat between channels-first nodes, then a projection and a global pool
  const full = conv(grouped, 16, 8, 3, 1, 1);
  const cat = node('Concat', [full, d5], { axis: 1 });
  const proj = relu6(conv(cat, 24, 12, 1, 1, 0));
  node('GlobalAveragePool', [proj]);
  return prepare({
    inputs: [{ name: 'input', dims: [1, 3, 20, 20], dtype: 'float32' }],
    outputs: [nodes[nodes.length - 1].outputs[0]],
    initializers,
    nodes,
    source: { format: 'onnx', fileName: 'channels.onnx', opset: 13 },
    hasBatchDim: true,
    channelAxis: 'first',
  } as Graph);
}

describe('the batched forward pass with small maps channels-first', () => {
  it('takes the 1×1 and depthwise convolutions and the elementwise ops on small maps, not the rest', () => {
    const model = network();
    const kinds = model.nodes.map((v) => `${v.node.opType}:${channelsFirstKind(model, v) ?? '-'}`);
    expect(kinds).toEqual([
      // the stride-2 depthwise reads 20×20 maps: image-major; its Clip writes 10×10 ones
      'Conv:-', 'Conv:-', 'Clip:elementwise', 'BatchNormalization:elementwise', 'Conv:pointwise', 'Clip:elementwise',
      'Conv:depthwise', 'Add:elementwise', 'Add:elementwise', 'Conv:depthwise', 'Conv:-', 'Conv:-', 'Conv:-', 'Concat:-',
      'Conv:pointwise', 'Clip:elementwise', 'GlobalAveragePool:-',
    ]);
  });

  for (const batch of [1, 3, 70]) {
    it(`every layer equals the reference engine image by image, batch of ${batch}`, () => {
      const model = network();
      const before = channelsFirstRuns();
      expect(batchError(model, batch)).toBeLessThanOrEqual(1e-5);
      expect(channelsFirstRuns()).toBeGreaterThan(before);
    });
  }

  it('reads no array after handing it back for reuse (every recycled array poisoned with NaN), batch of 70', () => {
    const model = network();
    poisonRecycled(true);
    try {
      expect(batchError(model, 70, [true])).toBeLessThanOrEqual(1e-5);
    } finally {
      poisonRecycled(false);
    }
  });

  it('keeps every value image-major where they are kept for a reversal', () => {
    const model = network();
    const batch = 3;
    const size = sizeOf(model.inputShape);
    const next = normalSampler(9);
    const inputs = Float32Array.from({ length: batch * size }, () => next());
    const last = model.layers[model.layers.length - 1].id;
    const before = channelsFirstRuns();
    const values = runForwardBatchValues(model, inputs, batch, last);
    expect(channelsFirstRuns()).toBe(before);
    for (let b = 0; b < batch; b++) {
      const want = withOptimised(false, () => runForward(model, inputs.subarray(b * size, (b + 1) * size)));
      for (const [name, t] of want) {
        const got = values.get(name)!.data;
        const n = t.data.length;
        for (let i = 0; i < n; i++) expect(Math.abs(got[b * n + i] - t.data[i]) / Math.max(1, Math.abs(t.data[i])), name).toBeLessThanOrEqual(1e-5);
      }
    }
  });

  it('toChannels and toImages are each other’s inverse and place values as described', () => {
    const data = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i);
    const cf = toChannels(data, 2, 3, 4);
    // channel 1 of image 1, position 2: image-major index (1·3 + 1)·4 + 2 = 18; channels-first 1·8 + 1·4 + 2 = 14
    expect(cf[14]).toBe(18);
    expect(Array.from(toImages(cf, 2, 3, 4))).toEqual(Array.from(data));
  });

  const MOBILENET = join(__dirname, '..', '..', '..', 'shared', 'models', 'onnx', 'pytorch_mobilenetv2_slim_mnist.onnx');
  it.skipIf(!existsSync(MOBILENET))('a real MobileNetV2 (needs ../shared/models): every layer, batch of 5', () => {
    const model = prepare(readModel([{ name: basename(MOBILENET), bytes: new Uint8Array(readFileSync(MOBILENET)) }]));
    const before = channelsFirstRuns();
    expect(batchError(model, 5, [true])).toBeLessThanOrEqual(1e-5);
    expect(channelsFirstRuns()).toBeGreaterThan(before);
  }, 120_000);
});
