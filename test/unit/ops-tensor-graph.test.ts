import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ModelError, type Graph, type GraphNode } from '../../workers/engine/graph';
import { runForward } from '../../workers/engine/forward';
import { prepare } from '../../workers/engine/prepare';
import { reverseLayer } from '../../workers/engine/reverse';
import { floatTensor, intTensor, type Tensor } from '../../workers/engine/tensor';

/**
 * The tensor ops inside whole graphs: the shape arithmetic exporters emit for
 * x.view(x.size(0), -1) folds away in prepare(), and reversals through tensor plumbing
 * and a squeeze-excite gate match PyTorch's autograd (test/fixtures/ops-tensor/graphs.json).
 */
interface TensorJson {
  readonly shape: number[];
  readonly data: number[];
}

const graphs = JSON.parse(readFileSync(new URL('../fixtures/ops-tensor/graphs.json', import.meta.url), 'utf8')).graphs as {
  flatten_view_gemm: { inputShape: number[]; W: TensorJson; b: TensorJson; gradients: number[] };
  gate_plumbing: { inputShape: number[]; x0: TensorJson; W: TensorJson; c: TensorJson; gradients: number[]; outputAtReference: number[] };
};

const TOLERANCE = 1e-5;

function float(j: TensorJson): Tensor {
  return floatTensor(j.shape, Float32Array.from(j.data));
}

function node(name: string, opType: string, inputs: string[], outputs: string[], attrs: GraphNode['attrs'] = {}): GraphNode {
  return { name, opType, inputs, outputs, attrs };
}

function graph(nodes: GraphNode[], initializers: [string, Tensor][], dims: (number | string)[], opset = 13): Graph {
  return {
    inputs: [{ name: 'x', dims, dtype: 'float32' }],
    outputs: [nodes[nodes.length - 1].outputs[0]],
    initializers: new Map(initializers),
    nodes,
    source: { format: 'onnx', fileName: 'hand-built.onnx', opset },
    hasBatchDim: true,
    channelAxis: 'first',
  };
}

/** Unit rows r·g/‖g‖ of a gradient matrix (one row per neuron). */
function unitRows(gradients: number[], rows: number, radius: number): { xstar: Float32Array; norms: number[] } {
  const n = gradients.length / rows;
  const xstar = new Float32Array(gradients.length);
  const norms: number[] = [];
  for (let r = 0; r < rows; r++) {
    let sq = 0;
    for (let i = 0; i < n; i++) sq += gradients[r * n + i] ** 2;
    const norm = Math.sqrt(sq);
    norms.push(norm);
    for (let i = 0; i < n; i++) xstar[r * n + i] = (radius * gradients[r * n + i]) / norm;
  }
  return { xstar, norms };
}

function maxAbsError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

const scalar = (v: number): Tensor => intTensor([], [v]);
const ints = (v: number[]): Tensor => intTensor([v.length], v);

describe('shape arithmetic folds to constants', () => {
  const { W, b, gradients, inputShape } = graphs.flatten_view_gemm;
  const gemm = node('fc', 'Gemm', ['flat', 'W', 'b'], ['y'], { transB: 1 });

  it("PyTorch's x.view(x.size(0), -1): Shape → Gather(0) → Unsqueeze → Concat([·, -1]) → Reshape", () => {
    const g = graph(
      [
        node('shape', 'Shape', ['x'], ['s']),
        node('zero', 'Constant', [], ['idx'], { value: scalar(0) }),
        node('size0', 'Gather', ['s', 'idx'], ['n'], { axis: 0 }),
        node('axes', 'Constant', [], ['axes0'], { value: ints([0]) }),
        node('unsqueeze', 'Unsqueeze', ['n', 'axes0'], ['n1']),
        node('minus1', 'Constant', [], ['rest'], { value_ints: [-1] }),
        node('target', 'Concat', ['n1', 'rest'], ['shp'], { axis: 0 }),
        node('view', 'Reshape', ['x', 'shp'], ['flat']),
        gemm,
      ],
      [['W', float(W)], ['b', float(b)]],
      ['N', ...inputShape.slice(1)],
    );
    const model = prepare(g);
    expect(model.nodes.map((v) => v.node.opType)).toEqual(['Reshape', 'Gemm']);
    expect(Array.from(model.constants.get('shp')!.data)).toEqual([1, -1]);
    expect(model.constants.get('shp')!.dtype).toBe('int64');
    expect(model.layers.map((l) => l.id)).toEqual(['y']);

    const r = reverseLayer(model, 'y', [0, 1, 2, 3, 4], { mode: 'exact', objective: { kind: 'neuron' }, radius: 2 });
    const want = unitRows(gradients, 5, 2);
    expect(maxAbsError(r.xstar, want.xstar)).toBeLessThanOrEqual(TOLERANCE);
    want.norms.forEach((norm, o) => {
      expect(r.norms[o]).toBeCloseTo(norm, 5);
      expect(r.activations[o]).toBeCloseTo(2 * norm + b.data[o], 4);
    });
  });

  it('the tf2onnx variant: Shape → Slice → Cast → Concat with ConstantOfShape-built -1 → Reshape', () => {
    const g = graph(
      [
        node('shape', 'Shape', ['x'], ['s']),
        node('first', 'Slice', ['s', 'zero', 'one'], ['s0']),
        node('cast', 'Cast', ['s0'], ['s0i'], { to: 6 }),
        node('fill', 'ConstantOfShape', ['one'], ['m'], { value: intTensor([1], [-1]) }),
        node('target', 'Concat', ['s0i', 'm'], ['shp'], { axis: 0 }),
        node('view', 'Reshape', ['x', 'shp'], ['flat']),
        gemm,
      ],
      [['W', float(W)], ['b', float(b)], ['zero', ints([0])], ['one', ints([1])]],
      ['N', ...inputShape.slice(1)],
      11,
    );
    const model = prepare(g);
    expect(model.nodes.map((v) => v.node.opType)).toEqual(['Reshape', 'Gemm']);
    const r = reverseLayer(model, 'y', [3], { mode: 'exact', objective: { kind: 'neuron' }, radius: 1 });
    const want = unitRows(gradients, 5, 1).xstar.subarray(3 * 24, 4 * 24);
    expect(maxAbsError(r.xstar, want)).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('reversal through tensor plumbing and a gate', () => {
  const { W, c, x0, gradients, outputAtReference, inputShape } = graphs.gate_plumbing;
  const g = graph(
    [
      node('pool', 'ReduceMean', ['x'], ['s'], { axes: [2, 3], keepdims: 1 }),
      node('gate', 'Mul', ['x', 's'], ['gated']),
      node('middle', 'Slice', ['gated', 'one', 'three', 'axis1'], ['g1']),
      node('front', 'Slice', ['x', 'zero', 'two', 'axis1'], ['x01']),
      node('swap', 'Transpose', ['x01'], ['xt'], { perm: [0, 1, 3, 2] }),
      node('join', 'Concat', ['g1', 'xt'], ['h'], { axis: 1 }),
      node('flatten', 'Flatten', ['h'], ['f'], { axis: 1 }),
      node('fc', 'Gemm', ['f', 'W'], ['z'], { transB: 1 }),
      node('shift', 'Sub', ['z', 'c'], ['out']),
    ],
    [
      ['W', float(W)],
      ['c', float(c)],
      ['zero', ints([0])],
      ['one', ints([1])],
      ['two', ints([2])],
      ['three', ints([3])],
      ['axis1', ints([1])],
    ],
    ['N', ...inputShape.slice(1)],
  );
  const model = prepare(g);
  const reference = Float32Array.from(x0.data);

  it('lists the layers and names the gate as the nonlinear node', () => {
    expect(model.layers.map((l) => l.id)).toEqual(['s', 'gated', 'g1', 'x01', 'h', 'z', 'out']);
    expect(model.nonlinearNodes).toEqual(['gate']);
  });

  it('runs forward as PyTorch does', () => {
    const y = runForward(model, reference).get('out')!;
    expect(y.shape).toEqual([1, 3]);
    expect(maxAbsError(y.data, outputAtReference)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('the exact mode refuses the gate by name', () => {
    expect(() => reverseLayer(model, 'out', [0], { mode: 'exact', objective: { kind: 'neuron' }, radius: 1 })).toThrow(ModelError);
    expect(() => reverseLayer(model, 'out', [0], { mode: 'exact', objective: { kind: 'neuron' }, radius: 1 })).toThrow(/gate/);
  });

  for (const mode of ['local', 'surrogate'] as const) {
    it(`${mode}: the product rule at the reference input matches autograd`, () => {
      const r = reverseLayer(model, 'out', [0, 1, 2], { mode, objective: { kind: 'neuron' }, radius: 1, reference });
      const want = unitRows(gradients, 3, 1);
      expect(maxAbsError(r.xstar, want.xstar)).toBeLessThanOrEqual(TOLERANCE);
      want.norms.forEach((norm, o) => expect(r.norms[o]).toBeCloseTo(norm, 5));
    });
  }
});

describe('Split outputs are layers', () => {
  it('every output of a Split is a layer, and reverses to its own slice of the input', () => {
    const g = graph([node('split', 'Split', ['x', 'sizes'], ['left', 'right'], { axis: 1 })], [['sizes', ints([2, 4])]], ['N', 6]);
    const model = prepare(g);
    expect(model.layers.map((l) => l.id)).toEqual(['left', 'right']);
    const r = reverseLayer(model, 'right', [1], { mode: 'exact', objective: { kind: 'neuron' }, radius: 3 });
    expect(Array.from(r.xstar)).toEqual([0, 0, 0, 3, 0, 0]);
  });
});
