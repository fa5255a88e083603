import { describe, expect, it } from 'vitest';
import type { Graph } from '../../workers/engine/graph';
import { prepare } from '../../workers/engine/prepare';
import { reverseLayer } from '../../workers/engine/reverse';
import { floatTensor } from '../../workers/engine/tensor';

function singleNeuron(w: number[], b: number): Graph {
  return {
    inputs: [{ name: 'x', dims: ['N', w.length], dtype: 'float32' }],
    outputs: ['y'],
    initializers: new Map([
      ['W', floatTensor([1, w.length], Float32Array.from(w))],
      ['b', floatTensor([1], Float32Array.from([b]))],
    ]),
    nodes: [{ name: 'fc', opType: 'Gemm', inputs: ['x', 'W', 'b'], outputs: ['y'], attrs: { transB: 1 } }],
    source: { format: 'onnx', fileName: 'single.onnx' },
    hasBatchDim: true,
    channelAxis: 'first',
  };
}

describe('single neuron', () => {
  it('x* = r·w/‖w‖ and reaches r‖w‖ + b', () => {
    const model = prepare(singleNeuron([3, 4], 0.5));
    expect(model.layers.map((l) => l.id)).toEqual(['y']);
    const r = reverseLayer(model, 'y', [0], { mode: 'exact', objective: { kind: 'neuron' }, radius: 2 });
    expect(Array.from(r.xstar)).toEqual([expect.closeTo(1.2, 6), expect.closeTo(1.6, 6)]);
    expect(r.norms[0]).toBeCloseTo(5, 6);
    expect(r.activations[0]).toBeCloseTo(2 * 5 + 0.5, 5);
    expect(r.baselines[0]).toBeCloseTo(0.5, 6);
  });

  it('a zero weight vector is reported dead, never NaN', () => {
    const model = prepare(singleNeuron([0, 0], 1));
    const r = reverseLayer(model, 'y', [0], { mode: 'exact', objective: { kind: 'neuron' }, radius: 1 });
    expect(r.dead[0]).toBe(1);
    expect(Array.from(r.xstar)).toEqual([0, 0]);
    expect(r.activations[0]).toBe(1);
  });

  it('refuses a radius that is not positive', () => {
    const model = prepare(singleNeuron([1, 0], 0));
    expect(() => reverseLayer(model, 'y', [0], { mode: 'exact', objective: { kind: 'neuron' }, radius: 0 })).toThrow(/radius/);
    expect(() => reverseLayer(model, 'y', [0], { mode: 'exact', objective: { kind: 'neuron' }, radius: -1 })).toThrow(/radius/);
  });
});
