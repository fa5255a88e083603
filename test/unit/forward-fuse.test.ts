import { describe, expect, it } from 'vitest';
import { ancestorsOf } from '../../workers/engine/forward';
import { runForwardBatch } from '../../workers/engine/forward-batch';
import { fusedClips } from '../../workers/engine/forward-fuse';
import { runForwardRegion, type SpatialBox } from '../../workers/engine/forward-region';
import type { AttrValue, Graph, GraphNode } from '../../workers/engine/graph';
import { withOptimised } from '../../workers/engine/optimise';
import { prepare, type PreparedModel } from '../../workers/engine/prepare';
import { floatTensor, sizeOf, type Tensor } from '../../workers/engine/tensor';
import { normalSampler } from '../../workers/formats/neurovis/init';
import { batchError } from '../fixtures/batch-error';

/**
 * Issue 18: a Clip that is the only reader of a Conv's output runs inside the Conv in the
 * batched forward passes (forward-fuse.ts): the bias and the clamp applied as the outputs are
 * written. Every layer's values must equal the reference engine's, image by image (runForward
 * with the optimised paths off), for full convolutions with stride 2 and padding, depthwise
 * groups, 1×1 convolutions (side by side over the batch and one image at a time), ReLU6 and
 * other bounds, bounds as attributes (opset < 11), and Convs read by more than their Clip
 * (to 1e-5 relative: the optimised kernels sum in another order).
 */
function network(opset: number): PreparedModel {
  const next = normalSampler(11);
  const initializers = new Map<string, Tensor>();
  const nodes: GraphNode[] = [];
  const param = (name: string, shape: number[], sd: number): string => {
    initializers.set(name, floatTensor(shape, Float32Array.from({ length: sizeOf(shape) }, () => sd * next())));
    return name;
  };
  const scalar = (name: string, v: number): string => {
    initializers.set(name, floatTensor([], Float32Array.of(v)));
    return name;
  };
  const node = (opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}): string => {
    const name = `${opType.toLowerCase()}${nodes.length}`;
    nodes.push({ name, opType, inputs, outputs: [name], attrs });
    return name;
  };
  const conv = (x: string, c: number, out: number, k: number, stride: number, pad: number, group = 1): string =>
    node('Conv', [x, param(`w${nodes.length}`, [out, c / group, k, k], 1 / Math.sqrt((c / group) * k * k)), param(`b${nodes.length}`, [out], 0.5)], {
      kernel_shape: [k, k], strides: [stride, stride], pads: [pad, pad, pad, pad], group,
    });
  const clip = (x: string, min: number, max: number): string =>
    opset < 11 ? node('Clip', [x], { min, max }) : node('Clip', [x, scalar(`min${nodes.length}`, min), scalar(`max${nodes.length}`, max)]);
  // 3×17×17 → full 3×3 stride 2 conv (→ 9×9) → ReLU6
  const a = clip(conv('input', 3, 8, 3, 2, 1), 0, 6);
  // depthwise 3×3 (groups) → Clip with other bounds
  const b = clip(conv(a, 8, 8, 3, 1, 1, 8), -0.5, 0.75);
  // 1×1 expansion → ReLU6, and a 1×1 projection read by a Clip and by a residual Add (not fused)
  const c = clip(conv(b, 8, 24, 1, 1, 0), 0, 6);
  const d = conv(c, 24, 8, 1, 1, 0);
  const e = node('Add', [clip(d, 0, 1), d]);
  // wide maps: a 1×1 conv on a 33×33 input goes one image at a time
  const f = clip(conv(node('Pad', [e, param('pads', [8], 0)], { mode: 'constant' }), 8, 4, 1, 1, 0), 0, 6);
  initializers.set('pads', floatTensor([8], Float32Array.of(0, 0, 12, 12, 0, 0, 12, 12)));
  return prepare({
    inputs: [{ name: 'input', dims: [1, 3, 17, 17], dtype: 'float32' }],
    outputs: [f],
    initializers,
    nodes,
    source: { format: 'onnx', fileName: 'fused.onnx', opset },
    hasBatchDim: true,
    channelAxis: 'first',
  } as Graph);
}

describe('Conv → Clip fused in the batched forward pass', () => {
  for (const opset of [9, 13]) {
    it(`opset ${opset}: every layer equals the reference engine, batches of 1, 3 and 70`, () => {
      const model = network(opset);
      const last = model.layers[model.layers.length - 1].id;
      const fused = fusedClips(model, ancestorsOf(model, last), last, () => true);
      // Four Conv → Clip pairs; the projection read by its Clip and the Add is not fused.
      expect(fused.byConv.size).toBe(4);
      for (const batch of [1, 3, 70]) expect(batchError(model, batch), `batch ${batch}`).toBeLessThanOrEqual(1e-5);
    });
  }

  it('the cone-cropped pass gives the whole-map values inside the box (borders and centre)', () => {
    const model = network(13);
    const size = sizeOf(model.inputShape);
    const batch = 4;
    const next = normalSampler(8);
    const inputs = Float32Array.from({ length: batch * size }, () => 2 * next());
    let cropped = 0;
    for (const layer of model.layers) {
      const [C, H, W] = layer.featureShape;
      const full = withOptimised(false, () => runForwardBatch(model, inputs, batch, layer.id));
      const boxes: SpatialBox[] = [
        { h0: H >> 1, h1: (H >> 1) + 1, w0: W >> 1, w1: (W >> 1) + 1 },
        { h0: 0, h1: 1, w0: W - 1, w1: W },
      ];
      for (const box of boxes) {
        const y = runForwardRegion(model, inputs, batch, layer.id, box);
        if (!y) continue;
        cropped++;
        let o = 0;
        for (let p = 0; p < batch * C; p++) {
          for (let h = box.h0; h < box.h1; h++) {
            for (let w = box.w0; w < box.w1; w++) {
              const want = full[(p * H + h) * W + w];
              expect(Math.abs(y[o++] - want) / Math.max(1, Math.abs(want)), layer.id).toBeLessThanOrEqual(1e-5);
            }
          }
        }
      }
    }
    expect(cropped).toBeGreaterThan(4);
  });
});
