import { describe, expect, it } from 'vitest';
import { runForward } from '../../workers/engine/forward';
import type { GraphNode } from '../../workers/engine/graph';
import { prepare, type PreparedModel } from '../../workers/engine/prepare';
import { reverseLayer } from '../../workers/engine/reverse';
import { layerById, writeSeed, type Objective } from '../../workers/engine/seeds';
import { sizeOf } from '../../workers/engine/tensor';
import { readModel } from '../../workers/formats/index';
import { loadOracles, modelFile, type OracleLayer, type OracleModel } from './linear-fixtures';

/**
 * The exact reversal against PyTorch autograd (test/fixtures/linear/make_oracles.py):
 * every representative neuron of every layer of linear networks exported to ONNX.
 */
const TOLERANCE = 1e-5;
const { models, rows } = loadOracles();

function load(m: OracleModel): PreparedModel {
  return prepare(readModel([modelFile(m)]));
}

function objectiveOf(layer: OracleLayer): Objective {
  return { kind: layer.objective };
}

function seedOf(model: PreparedModel, layerId: string, neuron: number, objective: Objective): Float32Array {
  const layer = layerById(model, layerId);
  const seed = new Float32Array(sizeOf(layer.featureShape));
  writeSeed(layer, neuron, objective, seed, 0);
  return seed;
}

/** The objective y*·f(x) computed by a plain forward pass. */
function objectiveAt(model: PreparedModel, layerId: string, seed: Float32Array, x: Float32Array): number {
  const y = runForward(model, x, [layerId]).get(layerId)!.data;
  let s = 0;
  for (let i = 0; i < seed.length; i++) s += seed[i] * y[i];
  return s;
}

function closeTo(actual: number, expected: number, relative = 1e-4): boolean {
  return Math.abs(actual - expected) <= relative * Math.max(1, Math.abs(expected));
}

describe.each(models.map((m) => [m.name, m] as const))('%s', (_name, m) => {
  it(`covers every layer (${m.ops.join(', ')}, opset ${m.opset})`, () => {
    const model = load(m);
    expect(model.inputFeatureShape).toEqual(m.inputShape);
    const expected = [...new Set(m.layers.map((l) => l.tensor))].sort();
    expect(model.layers.map((l) => l.id).sort()).toEqual(expected);
    for (const l of m.layers) expect(layerById(model, l.tensor).featureShape).toEqual(l.featureShape);
  });

  it.each(m.layers.map((l) => [`${l.tensor} (${l.op}, ${l.objective})`, l] as const))('%s', (_label, l) => {
    const model = load(m);
    const result = reverseLayer(model, l.tensor, l.neurons, { mode: 'exact', objective: objectiveOf(l), radius: 1 });
    const size = sizeOf(m.inputShape);
    let worst = 0;
    let worstNeuron = -1;
    for (let k = 0; k < l.neurons.length; k++) {
      for (let i = 0; i < size; i++) {
        const err = Math.abs(result.xstar[k * size + i] - rows[l.offset + k * size + i]);
        if (err > worst) {
          worst = err;
          worstNeuron = l.neurons[k];
        }
      }
    }
    expect(worst, `max |x* − oracle| = ${worst} at neuron ${worstNeuron}`).toBeLessThanOrEqual(TOLERANCE);

    for (let k = 0; k < l.neurons.length; k++) {
      const x = result.xstar.subarray(k * size, (k + 1) * size);
      const seed = seedOf(model, l.tensor, l.neurons[k], objectiveOf(l));
      const reached = objectiveAt(model, l.tensor, seed, x);
      const label = `neuron ${l.neurons[k]}`;
      expect(closeTo(result.activations[k], reached), `${label}: reported ${result.activations[k]}, forward at x* gives ${reached}`).toBe(true);
      expect(closeTo(reached, l.activations[k]), `${label}: forward at x* gives ${reached}, PyTorch ${l.activations[k]}`).toBe(true);
      expect(closeTo(result.baselines[k], l.baselines[k]), `${label}: baseline ${result.baselines[k]}, PyTorch ${l.baselines[k]}`).toBe(true);
    }
  });
});

function findModel(name: string): OracleModel {
  const m = models.find((x) => x.name === name);
  if (!m) throw new Error(`fixture ${name} missing`);
  return m;
}

function nodeOfType(model: PreparedModel, opType: string): GraphNode {
  const node = model.graph.nodes.find((n) => n.opType === opType);
  if (!node) throw new Error(`no ${opType} node`);
  return node;
}

describe('the two examples of the derivation', () => {
  it('a single neuron: x* = w/‖w‖, reaching ‖w‖ + b', () => {
    const model = load(findModel('single_neuron'));
    const gemm = nodeOfType(model, 'Gemm');
    expect(gemm.attrs.transB).toBe(1);
    const w = model.constants.get(gemm.inputs[1])!.data;
    const b = model.constants.get(gemm.inputs[2])!.data[0];
    const norm = Math.hypot(...w);
    const r = reverseLayer(model, model.layers[0].id, [0], { mode: 'exact', objective: { kind: 'neuron' }, radius: 1 });
    for (let i = 0; i < w.length; i++) expect(r.xstar[i]).toBeCloseTo(w[i] / norm, 6);
    expect(r.norms[0]).toBeCloseTo(norm, 5);
    expect(r.activations[0]).toBeCloseTo(norm + b, 5);
  });

  it('a 2×2 kernel on a 3×3 input: the 4×9 transposed matrix has w_pq at input (k+p, l+q) in row (k,l)', () => {
    const model = load(findModel('kernel_2x2'));
    const conv = nodeOfType(model, 'Conv');
    const w = model.constants.get(conv.inputs[1])!.data;
    expect(model.constants.get(conv.inputs[1])!.shape).toEqual([1, 1, 2, 2]);
    const layer = model.layers[0];
    expect(layer.featureShape).toEqual([1, 2, 2]);

    const derived: number[][] = [];
    const computed: number[][] = [];
    for (let k = 0; k < 2; k++) {
      for (let l = 0; l < 2; l++) {
        const row = new Array<number>(9).fill(0);
        for (let p = 0; p < 2; p++) for (let q = 0; q < 2; q++) row[(k + p) * 3 + (l + q)] = w[p * 2 + q];
        derived.push(row);
        const r = reverseLayer(model, layer.id, [0], { mode: 'exact', objective: { kind: 'position', position: [k, l] }, radius: 1 });
        // a = Jᵀy* = x* · ‖a‖ / r
        computed.push(Array.from(r.xstar, (v) => v * r.norms[0]));
      }
    }
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 9; j++) {
        if (derived[i][j] === 0) expect(computed[i][j], `row ${i}, input ${j}`).toBe(0);
        else expect(computed[i][j], `row ${i}, input ${j}`).toBeCloseTo(derived[i][j], 6);
      }
    }
  });
});
