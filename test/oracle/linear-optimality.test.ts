import { describe, expect, it } from 'vitest';
import { runForward } from '../../workers/engine/forward';
import type { AttrValue, Graph, GraphNode } from '../../workers/engine/graph';
import { prepare, type PreparedModel } from '../../workers/engine/prepare';
import { reverseLayer } from '../../workers/engine/reverse';
import { layerById, writeSeed, type Objective } from '../../workers/engine/seeds';
import { floatTensor, sizeOf, type Tensor } from '../../workers/engine/tensor';
import { readModel } from '../../workers/formats/index';
import { loadOracles, modelFile } from './linear-fixtures';
import { mulberry32 } from '../../workers/engine/random';

/**
 * Optimality of x* (DESIGN.md §1) on random linear networks: no input of norm r reaches a
 * higher objective than x*, and the objective reached at x* (by a plain forward pass) is
 * r‖a‖ + f(0).
 */

type Rng = () => number;
const gaussian = (rng: Rng): number => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
const int = (rng: Rng, lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));

class GraphBuilder {
  readonly nodes: GraphNode[] = [];
  readonly initializers = new Map<string, Tensor>();
  private count = 0;

  constructor(private readonly rng: Rng) {}

  weight(shape: number[], scale = 1): string {
    const name = `w${this.count++}`;
    const n = sizeOf(shape);
    this.initializers.set(name, floatTensor(shape, Float32Array.from({ length: n }, () => gaussian(this.rng) * scale / Math.sqrt(Math.max(1, n / shape[0])))));
    return name;
  }

  node(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}): string {
    const out = `${opType.toLowerCase()}${this.count++}`;
    this.nodes.push({ name: out, opType, inputs, outputs: [out], attrs });
    return out;
  }

  graph(inputDims: number[], output: string, name: string): Graph {
    return {
      inputs: [{ name: 'x', dims: ['N', ...inputDims], dtype: 'float32' }],
      outputs: [output],
      initializers: this.initializers,
      nodes: this.nodes,
      source: { format: 'onnx', fileName: name },
      hasBatchDim: true,
      channelAxis: 'first',
    };
  }
}

/** A random MLP of Gemm (all attributes) and MatMul + Add layers, with a residual where widths match. */
function randomMlp(seed: number): Graph {
  const rng = mulberry32(seed);
  const b = new GraphBuilder(rng);
  const inputWidth = int(rng, 3, 24);
  let width = inputWidth;
  let h = 'x';
  const layers = int(rng, 1, 4);
  for (let l = 0; l < layers; l++) {
    const out = int(rng, 1, 20);
    if (rng() < 0.6) {
      const transB = rng() < 0.5 ? 1 : 0;
      const attrs: Record<string, AttrValue> = { transB, alpha: 0.5 + rng(), beta: 0.5 + rng() };
      const inputs = [h, b.weight(transB ? [out, width] : [width, out])];
      if (rng() < 0.7) inputs.push(b.weight([out]));
      h = b.node('Gemm', inputs, attrs);
    } else {
      const m = b.node('MatMul', [h, b.weight([width, out])]);
      h = rng() < 0.5 ? b.node('Add', [m, b.weight([out])]) : m;
    }
    if (out === width && rng() < 0.5) h = b.node('Add', [h, b.node('Mul', [h, b.weight([1])])]);
    width = out;
  }
  return b.graph([inputWidth], h, `random-mlp-${seed}.onnx`);
}

/** A random convolutional stack: Conv (strides, pads, dilations, groups), pooling, batch norm, residuals, a Gemm head. */
function randomConvNet(seed: number): Graph {
  const rng = mulberry32(seed);
  const b = new GraphBuilder(rng);
  const c0 = int(rng, 1, 4);
  const h0 = int(rng, 5, 10);
  const w0 = int(rng, 5, 10);
  let [c, hh, ww] = [c0, h0, w0];
  let t = 'x';
  const layers = int(rng, 1, 3);
  for (let l = 0; l < layers; l++) {
    const group = c % 2 === 0 && rng() < 0.4 ? 2 : 1;
    const out = group * int(rng, 1, 4);
    const k = int(rng, 1, 3);
    const stride = int(rng, 1, 2);
    const dilation = k > 1 && rng() < 0.3 ? 2 : 1;
    const pads = [int(rng, 0, 1), int(rng, 0, 1), int(rng, 0, 1), int(rng, 0, 1)];
    const span = dilation * (k - 1) + 1;
    const oh = Math.floor((hh + pads[0] + pads[2] - span) / stride) + 1;
    const ow = Math.floor((ww + pads[1] + pads[3] - span) / stride) + 1;
    if (oh < 1 || ow < 1) break;
    const inputs = [t, b.weight([out, c / group, k, k])];
    if (rng() < 0.6) inputs.push(b.weight([out]));
    t = b.node('Conv', inputs, { kernel_shape: [k, k], strides: [stride, stride], pads, dilations: [dilation, dilation], group });
    [c, hh, ww] = [out, oh, ow];
    if (rng() < 0.4) {
      const variance = floatTensor([c], Float32Array.from({ length: c }, () => 0.2 + rng()));
      const varName = `var${l}`;
      b.initializers.set(varName, variance);
      t = b.node('BatchNormalization', [t, b.weight([c]), b.weight([c]), b.weight([c]), varName], { epsilon: 1e-5 });
    }
    if (rng() < 0.3 && hh >= 2 && ww >= 2) {
      t = b.node('AveragePool', [t], { kernel_shape: [2, 2], strides: [1, 1], count_include_pad: int(rng, 0, 1), pads: [0, 0, 1, 1] });
    }
    if (rng() < 0.3) t = b.node('Add', [t, b.node('Conv', [t, b.weight([c, c, 1, 1])], { kernel_shape: [1, 1] })]);
  }
  const flat = b.node('Flatten', [t], { axis: 1 });
  const head = b.node('Gemm', [flat, b.weight([int(rng, 1, 6), c * hh * ww]), b.weight([1])], { transB: 1 });
  return b.graph([c0, h0, w0], head, `random-conv-${seed}.onnx`);
}

function objectiveAt(model: PreparedModel, layerId: string, seed: Float32Array, x: Float32Array): number {
  const y = runForward(model, x, [layerId]).get(layerId)!.data;
  let s = 0;
  for (let i = 0; i < seed.length; i++) s += seed[i] * y[i];
  return s;
}

function randomOnSphere(rng: Rng, n: number, radius: number): Float32Array {
  const x = Float32Array.from({ length: n }, () => gaussian(rng));
  let norm = 0;
  for (const v of x) norm += v * v;
  norm = Math.sqrt(norm);
  for (let i = 0; i < n; i++) x[i] *= radius / norm;
  return x;
}

interface Tally {
  neurons: number;
  trials: number;
}

/** Checks both properties for some neurons of every layer; returns how much was checked. */
function checkOptimality(model: PreparedModel, rng: Rng, trialsPerNeuron: number, objectives: readonly Objective[]): Tally {
  const tally = { neurons: 0, trials: 0 };
  const inputSize = sizeOf(model.inputFeatureShape);
  const zero = new Float32Array(inputSize);
  for (const layer of model.layers) {
    for (const objective of objectives) {
      if (objective.kind === 'channel' && layer.channelAxis === null) continue;
      const neurons = [...new Set([0, layer.neurons - 1, int(rng, 0, layer.neurons - 1)])];
      const radius = 0.25 + 3 * rng();
      const result = reverseLayer(model, layer.id, neurons, { mode: 'exact', objective, radius });
      neurons.forEach((neuron, k) => {
        const seed = new Float32Array(sizeOf(layerById(model, layer.id).featureShape));
        writeSeed(layer, neuron, objective, seed, 0);
        const xstar = result.xstar.subarray(k * inputSize, (k + 1) * inputSize);
        const base = objectiveAt(model, layer.id, seed, zero);
        const best = objectiveAt(model, layer.id, seed, xstar);
        const where = `${model.graph.source.fileName} ${layer.id} neuron ${neuron} (${objective.kind}, r = ${radius.toFixed(3)})`;
        const scale = Math.max(1, Math.abs(best), radius * result.norms[k]);
        if (result.dead[k]) {
          expect(result.norms[k], where).toBe(0);
        } else {
          let sq = 0;
          for (const v of xstar) sq += v * v;
          expect(Math.sqrt(sq), `${where}: ‖x*‖`).toBeCloseTo(radius, 4);
        }
        expect(Math.abs(best - (radius * result.norms[k] + base)), `${where}: f(x*) = ${best}, r‖a‖ + f(0) = ${radius * result.norms[k] + base}`).toBeLessThanOrEqual(2e-5 * scale);
        let worstGap = Infinity;
        for (let trial = 0; trial < trialsPerNeuron; trial++) {
          // Half anywhere on the sphere, half near x* (a wrong direction loses to its neighbours).
          const x = randomOnSphere(rng, inputSize, radius);
          if (trial % 2 === 1 && !result.dead[k]) {
            const step = 0.02 + 0.2 * rng();
            for (let i = 0; i < inputSize; i++) x[i] = xstar[i] + step * x[i];
            let sq = 0;
            for (const v of x) sq += v * v;
            for (let i = 0; i < inputSize; i++) x[i] *= radius / Math.sqrt(sq);
          }
          worstGap = Math.min(worstGap, best - objectiveAt(model, layer.id, seed, x));
        }
        expect(worstGap, `${where}: a random input of norm r beats x* by ${-worstGap}`).toBeGreaterThanOrEqual(-2e-5 * scale);
        tally.neurons++;
        tally.trials += trialsPerNeuron;
      });
    }
  }
  return tally;
}

describe('optimality on random linear networks', () => {
  it('random MLPs (Gemm with every attribute, MatMul, Add, Mul)', () => {
    const total = { neurons: 0, trials: 0 };
    for (let seed = 1; seed <= 25; seed++) {
      const t = checkOptimality(prepare(randomMlp(seed)), mulberry32(1000 + seed), 40, [{ kind: 'neuron' }]);
      total.neurons += t.neurons;
      total.trials += t.trials;
    }
    console.log(`random MLPs: ${total.neurons} neurons, ${total.trials} random inputs, none above x* (half of them near x*)`);
    expect(total.neurons).toBeGreaterThan(50);
  });

  it('random conv nets (Conv, BatchNormalization, AveragePool, residual Add, Flatten, Gemm)', () => {
    const total = { neurons: 0, trials: 0 };
    for (let seed = 1; seed <= 10; seed++) {
      const t = checkOptimality(prepare(randomConvNet(seed)), mulberry32(2000 + seed), 24, [{ kind: 'neuron' }, { kind: 'channel' }]);
      total.neurons += t.neurons;
      total.trials += t.trials;
    }
    console.log(`random conv nets: ${total.neurons} neurons, ${total.trials} random inputs, none above x* (half of them near x*)`);
    expect(total.neurons).toBeGreaterThan(30);
  });

  it('the exported PyTorch fixtures', () => {
    const { models } = loadOracles();
    const total = { neurons: 0, trials: 0 };
    models.forEach((m, i) => {
      const t = checkOptimality(prepare(readModel([modelFile(m)])), mulberry32(3000 + i), 8, [{ kind: 'neuron' }]);
      total.neurons += t.neurons;
      total.trials += t.trials;
    });
    console.log(`PyTorch fixtures: ${total.neurons} neurons, ${total.trials} random inputs, none above x* (half of them near x*)`);
  });
});
