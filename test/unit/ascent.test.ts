import { describe, expect, it } from 'vitest';
import { ascendLayer } from '../../workers/engine/ascent';
import { blurPenalty, inputGrid, rollInput, totalVariation } from '../../workers/engine/ascent-regularisers';
import type { Graph, GraphNode } from '../../workers/engine/graph';
import { runForward } from '../../workers/engine/forward';
import { prepare, type PreparedModel } from '../../workers/engine/prepare';
import { reverseLayer } from '../../workers/engine/reverse';
import { floatTensor, type Tensor } from '../../workers/engine/tensor';

/** A small seeded generator, so that the random networks are the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

/** x → [Gemm → activation] × layers; activations cycle through the given op types ('' for none: a linear network). */
function mlp(seed: number, widths: number[], activations: string[]): Graph {
  const rand = random(seed);
  const initializers = new Map<string, Tensor>();
  const nodes: GraphNode[] = [];
  let current = 'x';
  for (let l = 1; l < widths.length; l++) {
    const [nIn, nOut] = [widths[l - 1], widths[l]];
    initializers.set(`W${l}`, floatTensor([nOut, nIn], Float32Array.from({ length: nIn * nOut }, () => (2 * rand()) / Math.sqrt(nIn) * 1.7)));
    initializers.set(`b${l}`, floatTensor([nOut], Float32Array.from({ length: nOut }, () => 0.4 * rand())));
    nodes.push({ name: `fc${l}`, opType: 'Gemm', inputs: [current, `W${l}`, `b${l}`], outputs: [`h${l}`], attrs: { transB: 1 } });
    current = `h${l}`;
    const act = activations[(l - 1) % activations.length];
    if (act && l < widths.length - 1) {
      nodes.push({ name: `act${l}`, opType: act, inputs: [current], outputs: [`a${l}`], attrs: {} });
      current = `a${l}`;
    }
  }
  return {
    inputs: [{ name: 'x', dims: ['N', widths[0]], dtype: 'float32' }],
    outputs: [current],
    initializers,
    nodes,
    source: { format: 'onnx', fileName: `mlp-${seed}.onnx` },
    hasBatchDim: true,
    channelAxis: 'first',
  };
}

const last = (m: PreparedModel): string => m.layers[m.layers.length - 1].id;
const neuronOptions = (radius: number) => ({ mode: 'surrogate' as const, objective: { kind: 'neuron' as const }, radius });

describe('ascent', () => {
  it('stops at step 0 with the closed form on a linear network', () => {
    const model = prepare(mlp(1, [5, 7, 6, 4], ['']));
    const layer = last(model);
    const neurons = [0, 1, 2, 3];
    const exact = reverseLayer(model, layer, neurons, { ...neuronOptions(2), mode: 'exact' });
    const ascent = ascendLayer(model, layer, neurons, neuronOptions(2));
    expect(ascent.traces.map((t) => t.length)).toEqual([1, 1, 1, 1]);
    expect(ascent.xstar).toEqual(exact.xstar);
    neurons.forEach((_, i) => expect(ascent.activations[i]).toBeCloseTo(exact.activations[i], 5));
  });

  for (const [seed, acts] of [
    [11, ['Tanh']],
    [12, ['Relu']],
    [13, ['Sigmoid', 'Relu']],
    [14, ['Gelu', 'Tanh']],
    [15, ['Softplus', 'LeakyRelu']],
  ] as const) {
    it(`on a random ${acts.join('/')} network the activation never decreases and ends ≥ the surrogate's`, () => {
      const model = prepare(mlp(seed, [6, 9, 8, 5], [...acts]));
      const neurons = [0, 1, 2, 3, 4];
      const radius = 2.5;
      const surrogate = reverseLayer(model, last(model), neurons, neuronOptions(radius));
      const ascent = ascendLayer(model, last(model), neurons, neuronOptions(radius));
      let improved = 0;
      neurons.forEach((_, row) => {
        const trace = ascent.traces[row];
        expect(trace[0]).toBeCloseTo(surrogate.activations[row], 6);
        for (let s = 1; s < trace.length; s++) expect(trace[s]).toBeGreaterThanOrEqual(trace[s - 1]);
        expect(ascent.activations[row]).toBeGreaterThanOrEqual(surrogate.activations[row]);
        if (ascent.activations[row] > surrogate.activations[row] + 1e-3) improved++;
        const x = ascent.xstar.subarray(row * 6, (row + 1) * 6);
        expect(Math.hypot(...x)).toBeCloseTo(radius, 5);
        // The activation reported is the real network's at x*.
        expect(runForward(model, x, [last(model)]).get(last(model))!.data[row]).toBeCloseTo(ascent.activations[row], 6);
      });
      // A nonlinear network is not solved by its surrogate: the ascent finds better inputs.
      expect(improved).toBeGreaterThan(0);
    });
  }

  it('ends near a stationary point of a smooth network (the tangent gradient vanishes)', () => {
    const model = prepare(mlp(21, [4, 6, 3], ['Tanh']));
    const layer = last(model);
    const r = ascendLayer(model, layer, [1], { ...neuronOptions(1.5), ascent: { steps: 2000, tolerance: 0 } });
    const x = r.xstar;
    const g = reverseLayer(model, layer, [1], { mode: 'local', objective: { kind: 'neuron' }, radius: 1, reference: Float32Array.from(x) });
    const grad = Array.from(g.xstar, (v) => v * g.norms[0]);
    const along = grad.reduce((s, gi, i) => s + gi * x[i], 0) / 1.5 ** 2;
    const tangent = Math.hypot(...grad.map((gi, i) => gi - along * x[i]));
    expect(tangent / g.norms[0]).toBeLessThan(1e-3);
  });

  it('steps: 0 returns the surrogate start; a dead neuron stays dead', () => {
    const graph = mlp(31, [3, 4, 2], ['Tanh']);
    const W2 = graph.initializers.get('W2')!.data as Float32Array;
    W2.fill(0, 0, 4); // neuron 0 of the last layer reads nothing
    const model = prepare(graph);
    const layer = last(model);
    const surrogate = reverseLayer(model, layer, [0, 1], neuronOptions(1));
    const none = ascendLayer(model, layer, [0, 1], { ...neuronOptions(1), ascent: { steps: 0 } });
    expect(none.xstar).toEqual(surrogate.xstar);
    expect(none.traces[1]).toHaveLength(1);
    expect(none.dead[0]).toBe(1);
    expect(Array.from(none.xstar.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(Array.from(none.traces[0])).toEqual([surrogate.baselines[0]]);
  });

  it('refuses bad settings, and image regularisers on a flat input, with a clear message', () => {
    const model = prepare(mlp(41, [3, 2], ['']));
    const run = (ascent: object) => () => ascendLayer(model, last(model), [0], { ...neuronOptions(1), ascent });
    expect(run({ steps: -1 })).toThrow(/steps/);
    expect(run({ stepSize: 0 })).toThrow(/step size/);
    expect(run({ blur: -1 })).toThrow(/blur/);
    expect(run({ jitter: 1.5 })).toThrow(/jitter/);
    expect(run({ totalVariation: 0.1 })).toThrow(/image or signal input/);
  });
});

describe('ascent regularisers on an image input', () => {
  /** x (1×6×6) → Flatten → Gemm (4 neurons) → Tanh. */
  function imageModel(): PreparedModel {
    const rand = random(51);
    return prepare({
      inputs: [{ name: 'x', dims: ['N', 1, 6, 6], dtype: 'float32' }],
      outputs: ['y'],
      initializers: new Map([
        ['W', floatTensor([4, 36], Float32Array.from({ length: 144 }, () => rand()))],
        ['b', floatTensor([4], Float32Array.from({ length: 4 }, () => 0.2 * rand()))],
      ]),
      nodes: [
        { name: 'flat', opType: 'Flatten', inputs: ['x'], outputs: ['f'], attrs: {} },
        { name: 'fc', opType: 'Gemm', inputs: ['f', 'W', 'b'], outputs: ['h'], attrs: { transB: 1 } },
        { name: 'act', opType: 'Tanh', inputs: ['h'], outputs: ['y'], attrs: {} },
      ],
      source: { format: 'onnx', fileName: 'image.onnx' },
      hasBatchDim: true,
      channelAxis: 'first',
    });
  }

  it('the total-variation and blur penalties give smoother inputs; jitter is reproducible for a seed', () => {
    const model = imageModel();
    const grid = inputGrid(model);
    const tv = (x: Float32Array) => totalVariation(grid, x).value;
    const plain = ascendLayer(model, 'y', [0, 1], neuronOptions(3));
    const smooth = ascendLayer(model, 'y', [0, 1], { ...neuronOptions(3), ascent: { totalVariation: 0.05 } });
    const blurred = ascendLayer(model, 'y', [0, 1], { ...neuronOptions(3), ascent: { blur: 0.5 } });
    const rough = (x: Float32Array) => blurPenalty(grid, x).value;
    for (const row of [0, 1]) {
      const part = (r: { xstar: Float32Array }) => r.xstar.subarray(row * 36, (row + 1) * 36);
      expect(tv(part(smooth))).toBeLessThan(tv(part(plain)));
      expect(rough(part(blurred))).toBeLessThan(rough(part(plain)));
      expect(Math.hypot(...part(smooth))).toBeCloseTo(3, 5);
      expect(Math.hypot(...part(blurred))).toBeCloseTo(3, 5);
    }
    const jitterA = ascendLayer(model, 'y', [0], { ...neuronOptions(3), ascent: { jitter: 1, seed: 7 } });
    const jitterB = ascendLayer(model, 'y', [0], { ...neuronOptions(3), ascent: { jitter: 1, seed: 7 } });
    expect(jitterA.xstar).toEqual(jitterB.xstar);
    for (let s = 1; s < jitterA.traces[0].length; s++) expect(jitterA.traces[0][s]).toBeGreaterThanOrEqual(jitterA.traces[0][s - 1]);
  });

  for (const [name, term] of [['total variation', totalVariation], ['blur', blurPenalty]] as const) {
    it(`${name}: the penalty and its gradient agree (central differences)`, () => {
      const grid = inputGrid(imageModel());
      const rand = random(61);
      const x = Float64Array.from({ length: 36 }, () => rand());
      const { gradient } = term(grid, x);
      for (const i of [0, 5, 7, 20, 30, 35]) {
        const h = 1e-5;
        const up = Float64Array.from(x);
        const down = Float64Array.from(x);
        up[i] += h;
        down[i] -= h;
        expect((term(grid, up).value - term(grid, down).value) / (2 * h)).toBeCloseTo(gradient[i], 6);
      }
    });
  }

  it('jitter rolls pixels, not channels, in either layout', () => {
    const gridOf = (shape: number[], channelAxis: 'first' | 'last') =>
      inputGrid({ inputFeatureShape: shape, graph: { channelAxis } } as unknown as PreparedModel);
    // Channel c, row i, column j holds 100c + 10i + j.
    const first = Float32Array.from({ length: 12 }, (_, k) => 100 * Math.floor(k / 6) + 10 * Math.floor((k % 6) / 3) + (k % 3));
    const rolledFirst = rollInput(gridOf([2, 2, 3], 'first'), first, [0, 1]);
    expect(Array.from(rolledFirst)).toEqual([2, 0, 1, 12, 10, 11, 102, 100, 101, 112, 110, 111]);
    const last = Float32Array.from({ length: 12 }, (_, k) => 100 * (k % 2) + 10 * Math.floor(k / 6) + (Math.floor(k / 2) % 3));
    const rolledLast = rollInput(gridOf([2, 3, 2], 'last'), last, [1, 0]);
    expect(Array.from(rolledLast)).toEqual([10, 110, 11, 111, 12, 112, 0, 100, 1, 101, 2, 102]);
    const signal = rollInput(gridOf([1, 4], 'first'), Float32Array.of(1, 2, 3, 4), [-1]);
    expect(Array.from(signal)).toEqual([2, 3, 4, 1]);
  });
});
