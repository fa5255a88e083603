import { describe, expect, it } from 'vitest';
import { ascendLayer } from '../../workers/engine/ascent';
import { ascentFamily } from '../../workers/engine/ascent-family';
import { runForward } from '../../workers/engine/forward';
import type { Graph, GraphNode } from '../../workers/engine/graph';
import { prepare } from '../../workers/engine/prepare';
import { mulberry32 } from '../../workers/engine/random';
import { layerById, writeSeed } from '../../workers/engine/seeds';
import { floatTensor, type Tensor } from '../../workers/engine/tensor';

const C = 4;
const SIZE = 3 * 12 * 12;
/** Channel 1's bias keeps its ReLU off everywhere. */
const BIAS = [0.1, -100, 0.05, -0.1];

/**
 * x (3×12×12) → Conv 3×3 "c" → per-channel affine s·c + t "n" → Relu "r". The affine is a
 * BatchNormalization (`as: 'bn'`), or the same s and t written as Mul and Add, which the
 * sharing does not follow: that twin's layers each run their own ascent (independent truth).
 */
function net(as: 'bn' | 'mul-add', scales: readonly number[]): Graph {
  const rand = mulberry32(17);
  const initializers = new Map<string, Tensor>();
  initializers.set('W', floatTensor([C, 3, 3, 3], Float32Array.from({ length: C * 27 }, () => (rand() - 0.5) * 0.5)));
  initializers.set('b', floatTensor([C], Float32Array.from(BIAS)));
  const variance = Float32Array.from({ length: C }, (_, c) => 0.5 + 0.25 * c);
  const mean = Float32Array.from({ length: C }, (_, c) => 0.1 * c - 0.1);
  const beta = Float32Array.from({ length: C }, (_, c) => 0.2 - 0.1 * c);
  const gamma = Float32Array.from(scales);
  const nodes: GraphNode[] = [{ name: 'conv', opType: 'Conv', inputs: ['x', 'W', 'b'], outputs: ['c'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } }];
  if (as === 'bn') {
    initializers.set('gamma', floatTensor([C], gamma));
    initializers.set('beta', floatTensor([C], beta));
    initializers.set('mean', floatTensor([C], mean));
    initializers.set('var', floatTensor([C], variance));
    nodes.push({ name: 'bn', opType: 'BatchNormalization', inputs: ['c', 'gamma', 'beta', 'mean', 'var'], outputs: ['n'], attrs: { epsilon: 1e-5 } });
  } else {
    const s = Float32Array.from(gamma, (g, c) => g / Math.sqrt(variance[c] + 1e-5));
    initializers.set('s', floatTensor([1, C, 1, 1], s));
    initializers.set('t', floatTensor([1, C, 1, 1], Float32Array.from(beta, (b, c) => b - mean[c] * s[c])));
    nodes.push({ name: 'mul', opType: 'Mul', inputs: ['c', 's'], outputs: ['m'], attrs: {} });
    nodes.push({ name: 'add', opType: 'Add', inputs: ['m', 't'], outputs: ['n'], attrs: {} });
  }
  nodes.push({ name: 'relu', opType: 'Relu', inputs: ['n'], outputs: ['r'], attrs: {} });
  return {
    inputs: [{ name: 'x', dims: [1, 3, 12, 12], dtype: 'float32' }],
    outputs: ['r'],
    initializers,
    nodes,
    source: { format: 'onnx', fileName: `${as}.onnx` },
    hasBatchDim: true,
    channelAxis: 'first',
    opset: 13,
  } as Graph;
}

const POSITIVE = [1.3, 0.7, 2.1, 0.4];
const options = { mode: 'surrogate' as const, objective: { kind: 'neuron' as const }, radius: 1 };
const all = [0, 1, 2, 3];
const ascend = (graph: ReturnType<typeof prepare>, layer: string) => ascendLayer(graph, layer, all, { ...options, ascent: { style: 'readable', steps: 12, seed: 3 } });
const row = (x: Float32Array, n: number): Float32Array => x.subarray(n * SIZE, (n + 1) * SIZE);

function maxDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** seed·layer(x) on the true model. */
function activationAt(model: ReturnType<typeof prepare>, layer: string, x: Float32Array, n: number): number {
  const y = runForward(model, x, [layer]).get(layer)!.data;
  const seed = new Float32Array(y.length);
  writeSeed(layerById(model, layer), n, { kind: 'neuron' }, seed, 0);
  let a = 0;
  for (let i = 0; i < y.length; i++) a += y[i] * seed[i];
  return a;
}

describe('layers sharing one readable ascent (a BatchNormalization and the convolution before it)', () => {
  it('finds the family: a BatchNormalization with positive scales shares the convolution’s ascent; a negative scale and a ReLU do not', () => {
    const model = prepare(net('bn', POSITIVE));
    const family = ascentFamily(model, layerById(model, 'n'), { kind: 'neuron' });
    expect(family.tensor).toBe('c');
    expect(family.members.map((m) => m.layer.id)).toEqual(['n', 'c']);
    expect(ascentFamily(model, layerById(model, 'r'), { kind: 'neuron' }).members.map((m) => m.layer.id)).toEqual(['r']);
    const negative = prepare(net('bn', [1.3, 0.7, -2.1, 0.4]));
    expect(ascentFamily(negative, layerById(negative, 'n'), { kind: 'neuron' }).members.map((m) => m.layer.id)).toEqual(['n']);
    expect(ascentFamily(negative, layerById(negative, 'c'), { kind: 'neuron' }).members.map((m) => m.layer.id)).toEqual(['c']);
    expect(ascentFamily(model, layerById(model, 'n'), { kind: 'channel' }).members.map((m) => m.layer.id)).toEqual(['n']);
  });

  it('the BatchNormalization layer’s x* is the one its own ascent finds (the twin written as Mul and Add), and the activation is the true model’s there', () => {
    const model = prepare(net('bn', POSITIVE));
    const twin = prepare(net('mul-add', POSITIVE));
    const shared = ascend(model, 'n');
    const own = ascend(twin, 'n');
    for (const n of all) {
      expect(maxDiff(row(shared.xstar, n), row(own.xstar, n))).toBeLessThan(1e-4);
      expect(shared.activations[n]).toBeCloseTo(activationAt(model, 'n', row(shared.xstar, n), n), 5);
      expect(Math.max(...shared.traces[n])).toBe(shared.activations[n]);
    }
    // The convolution's ascent is the very same run.
    const conv = ascend(prepare(net('bn', POSITIVE)), 'c');
    expect(Array.from(conv.xstar)).toEqual(Array.from(shared.xstar));
  });

  it('a layer gives the same result whether it took a row kept from a sibling’s job or computed the family itself', () => {
    const kept = prepare(net('bn', POSITIVE));
    ascend(kept, 'c');
    const fresh = prepare(net('bn', POSITIVE));
    for (const layer of ['n', 'c']) {
      const a = ascend(kept, layer);
      const b = ascend(fresh, layer);
      expect(Array.from(a.xstar)).toEqual(Array.from(b.xstar));
      expect(Array.from(a.activations)).toEqual(Array.from(b.activations));
      expect(a.traces.map((t) => Array.from(t))).toEqual(b.traces.map((t) => Array.from(t)));
    }
  });

  it('the ReLU after them runs its own ascent: the twin’s ReLU finds the same x*, and the channel that is off everywhere is not the convolution’s', () => {
    const model = prepare(net('bn', POSITIVE));
    const conv = ascend(model, 'c');
    const relu = ascend(model, 'r');
    const own = ascend(prepare(net('mul-add', POSITIVE)), 'r');
    for (const n of all) {
      expect(relu.activations[n]).toBeCloseTo(activationAt(model, 'r', row(relu.xstar, n), n), 5);
      expect(maxDiff(row(relu.xstar, n), row(own.xstar, n))).toBeLessThan(1e-4);
    }
    expect(relu.activations[1]).toBe(0);
    expect(maxDiff(row(relu.xstar, 1), row(conv.xstar, 1))).toBeGreaterThan(1e-3);
  });
});
