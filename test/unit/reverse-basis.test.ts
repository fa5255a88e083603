import { describe, expect, it } from 'vitest';
import {
  computeNeurons,
  allNeurons,
  type GallerySettings,
} from '../../workers/engine/compute';
import type { Graph, GraphNode } from '../../workers/engine/graph';
import { withOptimised } from '../../workers/engine/optimise';
import { prepare, type PreparedModel } from '../../workers/engine/prepare';
import { knownFromResults } from '../../workers/engine/reuse';
import { floatTensor, type Tensor } from '../../workers/engine/tensor';
import { countingWork, type WorkPlan } from '../../workers/engine/work-count';
import { normalSampler } from '../../workers/formats/neurovis/init';

/**
 * reverse-basis.ts: a global pool and the dense head after it give their rows as combinations
 * of the reversals of the few channel-uniform seeds of the narrow 1×1 projection before them.
 * Against the reference engine (every seed reversed alone through full maps), every neuron of
 * every layer, on odd map sizes (5×7: borders everywhere), in every reversal mode.
 */
interface Tail {
  /** The op that reads the feature map whole. */
  pool: 'ReduceMean' | 'GlobalAveragePool';
  /** Clip (ReLU6) and Relu in the network, or a linear one. */
  nonlinear: boolean;
  /** The pool reads a 3×3 convolution (positions differ at the borders) instead of a 1×1 one. */
  spatialLast?: boolean;
}

/** A generated network with one input of this feature shape (channels first), prepared. */
function prepared(name: string, inputShape: number[], output: string, nodes: GraphNode[], initializers: Map<string, Tensor>): PreparedModel {
  const graph: Graph = {
    inputs: [{ name: 'input', dims: [1, ...inputShape], dtype: 'float32' }],
    outputs: [output],
    initializers,
    nodes,
    source: { format: 'onnx', fileName: `${name} (generated)` },
    hasBatchDim: true,
    channelAxis: 'first',
  };
  return prepare(graph);
}

/** input 3×5×7 → conv 3×3 (6) → [Relu] → 1×1 conv (3: the projection) → 1×1 conv (8) → [Clip 0..6] → pool → Flatten → Gemm (5). */
function tailNetwork({ pool, nonlinear, spatialLast }: Tail): PreparedModel {
  const next = normalSampler(11);
  const initializers = new Map<string, Tensor>();
  const nodes: GraphNode[] = [];
  const param = (name: string, shape: number[], sd: number): string => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = sd * next();
    initializers.set(name, floatTensor(shape, data));
    return name;
  };
  const node = (name: string, opType: string, inputs: string[], attrs: GraphNode['attrs'] = {}): string => {
    nodes.push({ name, opType, inputs, outputs: [name], attrs });
    return name;
  };
  const conv = (name: string, x: string, cin: number, cout: number, k: number): string =>
    node(name, 'Conv', [x, param(`${name}.W`, [cout, cin, k, k], 0.5), param(`${name}.B`, [cout], 0.3)], { kernel_shape: [k, k], pads: Array(4).fill((k - 1) / 2) });
  let x = conv('stem', 'input', 3, 6, 3);
  if (nonlinear) x = node('relu', 'Relu', [x]);
  x = conv('project', x, 6, 3, 1);
  x = conv('expand', x, 3, 8, spatialLast ? 3 : 1);
  if (nonlinear) {
    initializers.set('lo', floatTensor([], Float32Array.of(0)));
    initializers.set('hi', floatTensor([], Float32Array.of(6)));
    x = node('relu6', 'Clip', [x, 'lo', 'hi']);
  }
  x = pool === 'ReduceMean' ? node('pool', 'ReduceMean', [x], { axes: [2, 3], keepdims: 1 }) : node('pool', 'GlobalAveragePool', [x]);
  x = node('flat', 'Flatten', [x], { axis: 1 });
  x = node('head', 'Gemm', [x, param('head.W', [5, 8], 0.4), param('head.B', [5], 0.1)], { transB: 1 });
  return prepared('tail', [3, 5, 7], x, nodes, initializers);
}

/** input 3×3×3 → conv 3×3 (4) → 1×1 conv (2: the projection, 18 values) → 1×1 conv (24) → [Clip 0..6] → depthwise 3×3 (24) → [Clip]. */
function depthwiseNetwork(nonlinear: boolean): PreparedModel {
  const next = normalSampler(5);
  const initializers = new Map<string, Tensor>([['lo', floatTensor([], Float32Array.of(0))], ['hi', floatTensor([], Float32Array.of(6))]]);
  const nodes: GraphNode[] = [];
  const param = (name: string, shape: number[]): string => {
    initializers.set(name, floatTensor(shape, Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 0.5 * next())));
    return name;
  };
  const node = (name: string, opType: string, inputs: string[], attrs: GraphNode['attrs'] = {}): string => {
    nodes.push({ name, opType, inputs, outputs: [name], attrs });
    return name;
  };
  const conv = (name: string, x: string, cin: number, cout: number, k: number, group = 1): string =>
    node(name, 'Conv', [x, param(`${name}.W`, [cout, cin / group, k, k]), param(`${name}.B`, [cout])], { kernel_shape: [k, k], pads: Array(4).fill((k - 1) / 2), group });
  let x = conv('stem', 'input', 3, 4, 3);
  x = conv('project', x, 4, 2, 1);
  x = conv('expand', x, 2, 24, 1);
  if (nonlinear) x = node('relu6', 'Clip', [x, 'lo', 'hi']);
  x = conv('depthwise', x, 24, 24, 3, 24);
  if (nonlinear) x = node('relu6b', 'Clip', [x, 'lo', 'hi']);
  return prepared('depthwise', [3, 3, 3], x, nodes, initializers);
}

/** Every layer in order, optimised with the results before it known (as a gallery runs), against the reference engine; the optimised work per layer. */
function gallery(model: PreparedModel, settings: GallerySettings): { error: number; work: ReadonlyMap<string, WorkPlan> } {
  let error = 0;
  const done = new Map<string, ReturnType<typeof computeNeurons>>();
  const known = knownFromResults(done);
  const work = new Map<string, WorkPlan>();
  for (const layer of model.layers) {
    const ids = allNeurons(model, layer.id, settings.objective);
    const reference = withOptimised(false, () => computeNeurons(model, layer.id, ids, settings));
    let optimised = reference;
    const counted = countingWork(() => {
      optimised = withOptimised(true, () => computeNeurons(model, layer.id, ids, settings, known));
    });
    work.set(layer.id, counted.get(layer.id) ?? { reversed: 0, reused: 0, checked: 0 });
    done.set(layer.id, optimised);
    expect(Array.from(optimised.dead), layer.id).toEqual(Array.from(reference.dead));
    for (let i = 0; i < reference.xstar.length; i++) error = Math.max(error, Math.abs(reference.xstar[i] - optimised.xstar[i]));
    for (let i = 0; i < ids.length; i++) {
      error = Math.max(error, Math.abs(reference.activations[i] - optimised.activations[i]) / Math.max(1, Math.abs(reference.activations[i])));
    }
  }
  return { error, work };
}

const x0 = Float32Array.from(
  { length: 3 * 5 * 7 },
  (_, i) => (((i * 7919) % 97) / 97) * 2 - 1,
);

describe('rows of a global pool and its dense head from channel-uniform reversals (reverse-basis.ts)', () => {
  for (const pool of ['ReduceMean', 'GlobalAveragePool'] as const) {
    it(`${pool}, linear network, exact mode: the pool's 8 and the head's 5 rows from the projection's 3 reversals`, () => {
      const model = tailNetwork({ pool, nonlinear: false });
      const { error, work } = gallery(model, { mode: 'exact', objective: { kind: 'neuron' }, radius: 1 });
      expect(error).toBeLessThanOrEqual(1e-5);
      // The 3 basis rows are reversed once, for the pool; the head finds them held.
      expect(work.get('pool')).toEqual({ reversed: 3, reused: 8, checked: 0 });
      expect(work.get('head')).toEqual({ reversed: 0, reused: 5, checked: 0 });
    });

    it(`${pool}, ReLU and ReLU6 network: every reversal mode agrees with the reference engine`, () => {
      const model = tailNetwork({ pool, nonlinear: true });
      for (const mode of ['surrogate', 'local', 'deconvnet', 'guided'] as const) {
        const { error, work } = gallery(model, { mode, objective: { kind: 'neuron' }, radius: 1, reference: x0 });
        expect(error, mode).toBeLessThanOrEqual(1e-5);
        const poolWork = work.get('pool')!;
        expect(poolWork.reversed, mode).toBe(poolWork.reused === 8 ? 3 : 8);
        // Surrogate's ReLU6 passes the seed on whole: the basis. Deconvnet and guided are not linear in the seed behind a ReLU: reversed alone.
        if (mode === 'surrogate') expect(poolWork, mode).toEqual({ reversed: 3, reused: 8, checked: 8 });
        if (mode === 'deconvnet' || mode === 'guided') expect(poolWork.reused, mode).toBe(0);
      }
    });
  }

  it('a pool reading a 3×3 convolution: seeds differ by position at the projection (borders), so the rows are reversed alone', () => {
    const model = tailNetwork({ pool: 'ReduceMean', nonlinear: false, spatialLast: true });
    const { error, work } = gallery(model, { mode: 'exact', objective: { kind: 'neuron' }, radius: 1 });
    expect(error).toBeLessThanOrEqual(1e-5);
    expect(work.get('pool')).toEqual({ reversed: 8, reused: 0, checked: 0 });
  });

  it('local mode on a ReLU6 whose reference gates differ by position: reversed alone, and right', () => {
    const model = tailNetwork({ pool: 'ReduceMean', nonlinear: true });
    // A reference that puts some of the expansion's positions above 6 and others below: the gates differ.
    const bright = Float32Array.from(x0, (v, i) => v * 4 + (i % 7) - 3);
    const { error, work } = gallery(model, { mode: 'local', objective: { kind: 'neuron' }, radius: 1, reference: bright });
    expect(error).toBeLessThanOrEqual(1e-5);
    expect(work.get('pool')).toMatchObject({ reversed: 8, reused: 0 });
  });

  it('a depthwise 3×3 on a 3×3 map: its 24 rows from the 18 one-hot reversals of the projection it reads through a 1×1 convolution, every mode', () => {
    const linear = gallery(depthwiseNetwork(false), { mode: 'exact', objective: { kind: 'neuron' }, radius: 1 });
    expect(linear.error).toBeLessThanOrEqual(1e-5);
    expect(linear.work.get('depthwise')).toEqual({ reversed: 18, reused: 24, checked: 0 });
    // A pool's job of 2 neurons: each worker would reverse the 18 basis seeds for itself, more than the layer's 24; reversed alone.
    const fresh = depthwiseNetwork(false);
    const job = countingWork(() => computeNeurons(fresh, 'depthwise', [0, 1], { mode: 'exact', objective: { kind: 'neuron' }, radius: 1 }));
    expect(job.get('depthwise')).toEqual({ reversed: 2, reused: 0, checked: 0 });
    const model = depthwiseNetwork(true);
    for (const mode of ['surrogate', 'local', 'deconvnet', 'guided'] as const) {
      const { error, work } = gallery(model, { mode, objective: { kind: 'neuron' }, radius: 1, reference: x0.subarray(0, 27) });
      expect(error, mode).toBeLessThanOrEqual(1e-5);
      // No ReLU behind: every rule is linear in the seed here, and a one-hot basis needs no uniform seeds.
      expect(work.get('depthwise'), mode).toMatchObject({ reversed: 18, reused: 24 });
      // The Clip after it reuses it neuron by neuron, as before.
      expect(work.get('relu6b'), mode).toMatchObject({ reversed: 0, reused: 24 });
    }
  });
});
