// Receptive-field crops (issue 17) against where the engine's own reversals are non-zero.
import { describe, expect, it } from 'vitest';
import { computeNeurons, radiusOfLayer } from '../../workers/engine/compute';
import type { AttrValue, Graph, GraphNode } from '../../workers/engine/graph';
import { prepare, type PreparedModel } from '../../workers/engine/prepare';
import type { CropBox } from '../../workers/engine/prepared-model';
import { cropOf } from '../../workers/engine/receptive-field';
import type { Tensor } from '../../workers/engine/tensor';
import { randomValues } from '../helpers/random-values';

class Builder {
  nodes: GraphNode[] = [];
  initializers = new Map<string, Tensor>();
  private n = 0;
  weight(shape: number[]): string {
    const name = `w${this.n++}`;
    this.initializers.set(name, { dtype: 'float32', shape, data: randomValues(shape.reduce((a, b) => a * b, 1), 7 + this.n) });
    return name;
  }
  node(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}): string {
    const out = `${opType.toLowerCase()}${this.n++}`;
    this.nodes.push({ name: out, opType, inputs, outputs: [out], attrs });
    return out;
  }
  conv(x: string, cin: number, cout: number, k: number, attrs: Record<string, AttrValue> = {}): string {
    return this.node('Conv', [x, this.weight([cout, cin, k, k]), this.weight([cout])], { kernel_shape: [k, k], ...attrs });
  }
  graph(inputShape: number[], outputs: string[], channelsLast = false): Graph {
    return {
      inputs: [{ name: 'x', dims: inputShape, dtype: 'float32' }], outputs, initializers: this.initializers, nodes: this.nodes,
      source: { format: 'onnx', fileName: 'rf.onnx' }, hasBatchDim: true, channelAxis: channelsLast ? 'last' : 'first',
    };
  }
}

/** The smallest [y, x, h, w] holding every non-zero of each x* row (NCHW input of C×H×W), or null when all are zero. */
function nonzeroBox(xstar: Float32Array, row: number, c: number, h: number, w: number): CropBox | null {
  let [y0, x0, y1, x1] = [h, w, -1, -1];
  for (let ch = 0; ch < c; ch++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        if (xstar[row * c * h * w + (ch * h + i) * w + j] === 0) continue;
        [y0, x0, y1, x1] = [Math.min(y0, i), Math.min(x0, j), Math.max(y1, i), Math.max(x1, j)];
      }
    }
  }
  return y1 < 0 ? null : [y0, x0, y1 - y0 + 1, x1 - x0 + 1];
}

const inside = (inner: CropBox, outer: CropBox): boolean =>
  inner[0] >= outer[0] && inner[1] >= outer[1] && inner[0] + inner[2] <= outer[0] + outer[2] && inner[1] + inner[3] <= outer[1] + outer[3];

/** Every layer, neuron and channel objective: x* is zero outside the crop; for linear stacks the crop is exactly its support. */
function checkModel(model: PreparedModel, modes: ('exact' | 'surrogate' | 'local' | 'guided')[], tight: boolean): number {
  const [c, h, w] = model.inputFeatureShape;
  const reference = randomValues(c * h * w, 99);
  let cropped = 0;
  for (const layer of model.layers) {
    for (const objective of ['neuron', 'channel'] as const) {
      const neurons = Array.from({ length: layer.neurons }, (_, i) => i);
      for (const mode of modes) {
        const r = computeNeurons(model, layer.id, neurons, { mode, objective: { kind: objective }, radius: 1, reference });
        neurons.forEach((i) => {
          const box = cropOf(layer.crops, objective, i) ?? ([0, 0, h, w] as const);
          if (box[2] < h || box[3] < w) cropped++;
          const support = nonzeroBox(r.xstar, i, c, h, w);
          if (support === null) return;
          expect(inside(support, box), `${layer.id} ${objective} ${i} ${mode}: support ${support} outside ${box}`).toBe(true);
          if (tight && mode === 'exact') expect(support, `${layer.id} ${objective} ${i}`).toEqual(box);
        });
      }
    }
  }
  return cropped;
}

describe('receptive-field crops', () => {
  it('a linear stack with stride, padding, dilation, average pooling, Pad and a transposed conv: crops equal the support of x*', () => {
    const b = new Builder();
    const c1 = b.conv('x', 2, 3, 3, { strides: [2, 2], pads: [1, 1, 1, 1] });
    const c2 = b.conv(c1, 3, 4, 3, { dilations: [2, 2] });
    const p = b.node('AveragePool', [c2], { kernel_shape: [2, 2], strides: [1, 1], pads: [0, 0, 1, 1] });
    b.initializers.set('pads', { dtype: 'int64', shape: [8], data: Float64Array.from([0, 0, 2, 1, 0, 0, 0, 2]) });
    const padded = b.node('Pad', [p, 'pads'], { mode: 'constant' });
    const c3 = b.conv(padded, 4, 3, 2, { strides: [1, 2] });
    const up = b.node('ConvTranspose', [c3, b.weight([3, 2, 3, 3])], { kernel_shape: [3, 3], strides: [2, 2] });
    const model = prepare(b.graph([1, 2, 23, 19], [up]));
    expect(model.nonlinearNodes).toEqual([]);
    expect(checkModel(model, ['exact'], true)).toBeGreaterThan(0);
    // The first convolution's centre neuron sees 3×3 pixels.
    const box = cropOf(model.layers[0].crops, 'neuron', 0)!;
    expect([box[2], box[3]]).toEqual([3, 3]);
  });

  it('a nonlinear stack with ReLU and max pooling, a residual Add and concatenated branches: x* stays inside in every mode', () => {
    const b = new Builder();
    const c1 = b.conv('x', 3, 4, 3, { pads: [1, 1, 1, 1] });
    const r1 = b.node('Relu', [c1]);
    const m1 = b.node('MaxPool', [r1], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
    const c2 = b.conv(m1, 4, 4, 3, { pads: [1, 1, 1, 1] });
    const add = b.node('Add', [c2, m1]);
    const wide = b.conv(add, 4, 2, 5, { pads: [2, 2, 2, 2] });
    const narrow = b.conv(add, 4, 2, 1);
    const cat = b.node('Concat', [wide, narrow], { axis: 1 });
    const model = prepare(b.graph([1, 3, 20, 20], [cat]));
    expect(checkModel(model, ['surrogate', 'local', 'guided'], false)).toBeGreaterThan(0);
    // Concatenated branches of different kernels: one box per neuron.
    const crops = model.layers.find((l) => l.id === cat)!.crops!;
    expect(Array.isArray(crops.neuron) && Array.isArray(crops.neuron[0])).toBe(true);
    const [a, z] = [cropOf(crops, 'neuron', 0)!, cropOf(crops, 'neuron', 3)!];
    expect(a[2]).toBeGreaterThan(z[2]);
  });

  it('dense layers and global pooling see the whole input (no crop)', () => {
    const b = new Builder();
    const c1 = b.conv('x', 1, 2, 3);
    const g = b.node('GlobalAveragePool', [c1]);
    const f = b.node('Flatten', [g]);
    const d = b.node('Gemm', [f, b.weight([3, 2])], { transB: 1 });
    const model = prepare(b.graph([1, 1, 9, 9], [d]));
    expect(model.layers.find((l) => l.id === g)!.crops).toEqual({ neuron: null, channel: null });
    expect(model.layers.find((l) => l.id === d)!.crops).toEqual({ neuron: null, channel: null });
    expect(cropOf(model.layers[0].crops, 'neuron', 1)).toEqual([3, 3, 3, 3]);
  });
});

describe('the default radius follows each layer’s receptive field', () => {
  it('‖x*‖ = ¼·(hi − lo)·√(C·h·w) with h × w the support of the exact x*, found by brute force; a number is one radius for all', () => {
    const b = new Builder();
    const c1 = b.conv('x', 3, 4, 3, { pads: [1, 1, 1, 1] });
    const c2 = b.conv(c1, 4, 4, 3, { strides: [2, 2], pads: [1, 1, 1, 1] });
    const c3 = b.conv(c2, 4, 2, 5, { dilations: [2, 2] });
    const g = b.node('GlobalAveragePool', [c3]);
    const model = prepare(b.graph([1, 3, 31, 29], [g]));
    const [c, h, w] = model.inputFeatureShape;
    const range = [-1, 3] as const;
    const seen: number[] = [];
    for (const layer of model.layers) {
      const neurons = Array.from({ length: layer.neurons }, (_, i) => i);
      const r = computeNeurons(model, layer.id, neurons, { mode: 'exact', objective: { kind: 'neuron' }, radius: { range } });
      const fixed = computeNeurons(model, layer.id, neurons, { mode: 'exact', objective: { kind: 'neuron' }, radius: 2.5 });
      neurons.forEach((i) => {
        const support = nonzeroBox(r.xstar, i, c, h, w)!;
        const values = c * support[2] * support[3];
        seen.push(values);
        const norm = (x: Float32Array): number => Math.hypot(...Array.from(x.subarray(i * c * h * w, (i + 1) * c * h * w)));
        expect(norm(r.xstar), `${layer.id} ${i}`).toBeCloseTo(0.25 * (range[1] - range[0]) * Math.sqrt(values), 4);
        expect(radiusOfLayer(model, layer.id, { radius: { range }, objective: { kind: 'neuron' } })).toBeCloseTo(norm(r.xstar), 4);
        expect(norm(fixed.xstar)).toBeCloseTo(2.5, 5);
      });
    }
    // 3×3; 5×5 after a second 3×3; 21×21 after the 5×5 dilated by 2 at stride 2 (5 + 2·2·4); the whole input after global pooling.
    expect([...new Set(seen)]).toEqual([3 * 9, 3 * 25, 3 * 21 * 21, c * h * w]);
  });
});
