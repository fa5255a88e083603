import { describe, expect, it } from 'vitest';
import { fuseGelu } from '../../workers/engine/fuse';
import type { Graph, GraphNode } from '../../workers/engine/graph';
import { runForward } from '../../workers/engine/forward';
import { erf } from '../../workers/engine/ops/erf';
import { prepare } from '../../workers/engine/prepare';
import { reverseLayer } from '../../workers/engine/reverse';
import { floatTensor, type Tensor } from '../../workers/engine/tensor';

/** x (2 values) → Gemm h = W x + b → [the pattern under test, reading h and writing g] → Gemm y (1 value). */
const W1 = [0.9, -1.3, 1.7, 0.4, -0.6, 2.1];
const B1 = [0.1, -0.2, 0.3];
const W2 = [0.5, -1.1, 0.8];

function scalar(v: number): Tensor {
  return floatTensor([], Float32Array.of(v));
}

function withPattern(nodes: GraphNode[], scalars: Record<string, number> = {}, extraOutputs: string[] = []): Graph {
  const initializers = new Map<string, Tensor>([
    ['W1', floatTensor([3, 2], Float32Array.from(W1))],
    ['B1', floatTensor([3], Float32Array.from(B1))],
    ['W2', floatTensor([1, 3], Float32Array.from(W2))],
  ]);
  for (const [k, v] of Object.entries(scalars)) initializers.set(k, scalar(v));
  return {
    inputs: [{ name: 'x', dims: ['N', 2], dtype: 'float32' }],
    outputs: ['y', ...extraOutputs],
    initializers,
    nodes: [
      { name: 'fc1', opType: 'Gemm', inputs: ['x', 'W1', 'B1'], outputs: ['h'], attrs: { transB: 1 } },
      ...nodes,
      { name: 'fc2', opType: 'Gemm', inputs: ['g', 'W2'], outputs: ['y'], attrs: { transB: 1 } },
    ],
    source: { format: 'onnx', fileName: 'gelu.onnx' },
    hasBatchDim: true,
    channelAxis: 'first',
  };
}

const node = (name: string, opType: string, inputs: string[], output: string): GraphNode => ({ name, opType, inputs, outputs: [output], attrs: {} });
const constant = (name: string, value: number): GraphNode => ({ name, opType: 'Constant', inputs: [], outputs: [name], attrs: { value: scalar(value) } });

const geluErf = (h: number): number => 0.5 * h * (1 + erf(h / Math.SQRT2));
const geluTanh = (h: number): number => 0.5 * h * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (h + 0.044715 * h ** 3)));

const variants: { name: string; approximate: 'none' | 'tanh'; graph: Graph }[] = [
  {
    name: 'torch.onnx nn.GELU: (x · (1 + Erf(x / √2))) · ½ with Constant nodes',
    approximate: 'none',
    graph: withPattern([
      constant('c_sqrt2', 1.4142135),
      node('div', 'Div', ['h', 'c_sqrt2'], 'u'),
      node('erf', 'Erf', ['u'], 'e'),
      constant('c_one', 1),
      node('add', 'Add', ['e', 'c_one'], 's'),
      node('mul', 'Mul', ['h', 's'], 'p'),
      constant('c_half', 0.5),
      node('mul_1', 'Mul', ['p', 'c_half'], 'g'),
    ]),
  },
  {
    name: '(½ · x) · (1 + Erf(x · 1/√2)) with initializers',
    approximate: 'none',
    graph: withPattern(
      [
        node('scale', 'Mul', ['inv_sqrt2', 'h'], 'u'),
        node('erf', 'Erf', ['u'], 'e'),
        node('add', 'Add', ['one', 'e'], 's'),
        node('half_x', 'Mul', ['half', 'h'], 'hx'),
        node('mul', 'Mul', ['hx', 's'], 'g'),
      ],
      { inv_sqrt2: 0.70710678, one: 1, half: 0.5 },
    ),
  },
  {
    name: 'x · (½ · (1 + Erf(x / √2)))',
    approximate: 'none',
    graph: withPattern(
      [
        node('div', 'Div', ['h', 'sqrt2'], 'u'),
        node('erf', 'Erf', ['u'], 'e'),
        node('add', 'Add', ['e', 'one'], 's'),
        node('half_s', 'Mul', ['s', 'half'], 'hs'),
        node('mul', 'Mul', ['h', 'hs'], 'g'),
      ],
      { sqrt2: Math.SQRT2, one: 1, half: 0.5 },
    ),
  },
  {
    name: "torch.onnx nn.GELU(approximate='tanh'): x·x·x products",
    approximate: 'tanh',
    graph: withPattern([
      node('sq', 'Mul', ['h', 'h'], 'h2'),
      node('cube', 'Mul', ['h', 'h2'], 'h3'),
      constant('c_k', 0.044715),
      node('kc', 'Mul', ['c_k', 'h3'], 'kh3'),
      node('inner', 'Add', ['h', 'kh3'], 'w'),
      constant('c_b', 0.7978846),
      node('scaled', 'Mul', ['c_b', 'w'], 'v'),
      node('tanh', 'Tanh', ['v'], 't'),
      constant('c_one', 1),
      node('add', 'Add', ['c_one', 't'], 's'),
      node('mul', 'Mul', ['h', 's'], 'p'),
      constant('c_half', 0.5),
      node('mul_1', 'Mul', ['c_half', 'p'], 'g'),
    ]),
  },
  {
    name: 'BERT/GPT-2 code: ½ · x · (1 + Tanh(√(2/π) · (x + 0.044715 · Pow(x, 3))))',
    approximate: 'tanh',
    graph: withPattern(
      [
        node('pow', 'Pow', ['h', 'three'], 'h3'),
        node('kc', 'Mul', ['h3', 'kappa'], 'kh3'),
        node('inner', 'Add', ['kh3', 'h'], 'w'),
        node('scaled', 'Mul', ['w', 'beta'], 'v'),
        node('tanh', 'Tanh', ['v'], 't'),
        node('add', 'Add', ['t', 'one'], 's'),
        node('half_x', 'Mul', ['half', 'h'], 'hx'),
        node('mul', 'Mul', ['hx', 's'], 'g'),
      ],
      { three: 3, kappa: 0.044715, beta: Math.sqrt(2 / Math.PI), one: 1, half: 0.5 },
    ),
  },
];

describe('GELU fusion', () => {
  for (const v of variants) {
    it(v.name, () => {
      const fused = fuseGelu(v.graph);
      const gelus = fused.nodes.filter((n) => n.opType === 'Gelu');
      expect(gelus).toHaveLength(1);
      expect(gelus[0].inputs).toEqual(['h']);
      expect(gelus[0].outputs).toEqual(['g']);
      expect(gelus[0].attrs.approximate).toBe(v.approximate);
      expect(fused.nodes.map((n) => n.opType).sort()).toEqual(['Gelu', 'Gemm', 'Gemm']);

      const model = prepare(v.graph);
      expect(model.layers.map((l) => l.op)).toEqual(['Gemm', 'Gelu', 'Gemm']);
      const x = Float32Array.of(0.7, -1.2);
      const values = runForward(model, x);
      const h = Array.from(values.get('h')!.data);
      const f = v.approximate === 'tanh' ? geluTanh : geluErf;
      const g = Array.from(values.get('g')!.data);
      g.forEach((gi, i) => expect(gi).toBeCloseTo(f(h[i]), 6));

      // The surrogate treats the fused GELU as ReLU-like (identity): a = W1ᵀ W2ᵀ.
      const r = reverseLayer(model, 'y', [0], { mode: 'surrogate', objective: { kind: 'neuron' }, radius: 1 });
      const a = [0, 1].map((j) => W2.reduce((sum, w2, i) => sum + w2 * W1[i * 2 + j], 0));
      const norm = Math.hypot(...a);
      expect(Array.from(r.xstar)).toEqual(a.map((ai) => expect.closeTo(ai / norm, 6)));
    });
  }

  it('leaves the pattern alone when an intermediate is read elsewhere', () => {
    const graph = { ...variants[0].graph, outputs: ['y', 's'] };
    expect(fuseGelu(graph)).toBe(graph);
  });

  it('leaves look-alikes alone: a wrong constant, or a different input inside and outside', () => {
    const wrongScale = withPattern(
      [
        node('div', 'Div', ['h', 'two'], 'u'),
        node('erf', 'Erf', ['u'], 'e'),
        node('add', 'Add', ['e', 'one'], 's'),
        node('mul', 'Mul', ['h', 's'], 'p'),
        node('mul_1', 'Mul', ['p', 'half'], 'g'),
      ],
      { two: 2, one: 1, half: 0.5 },
    );
    expect(fuseGelu(wrongScale)).toBe(wrongScale);
    const otherInput = withPattern(
      [
        node('neg', 'Neg', ['h'], 'm'),
        node('div', 'Div', ['m', 'sqrt2'], 'u'),
        node('erf', 'Erf', ['u'], 'e'),
        node('add', 'Add', ['e', 'one'], 's'),
        node('mul', 'Mul', ['h', 's'], 'p'),
        node('mul_1', 'Mul', ['p', 'half'], 'g'),
      ],
      { sqrt2: Math.SQRT2, one: 1, half: 0.5 },
    );
    expect(fuseGelu(otherInput)).toBe(otherInput);
  });

  it('keeps a Constant node that something outside the pattern still reads', () => {
    const base = variants[0].graph;
    const graph: Graph = {
      ...base,
      outputs: ['y', 'z'],
      nodes: [...base.nodes, node('reuse', 'Mul', ['y', 'c_half'], 'z')],
    };
    const fused = fuseGelu(graph);
    const names = fused.nodes.map((n) => n.name);
    expect(names).toContain('c_half');
    expect(names).not.toContain('c_one');
    expect(names).not.toContain('c_sqrt2');
    expect(fused.nodes.filter((n) => n.opType === 'Gelu')).toHaveLength(1);
  });
});
