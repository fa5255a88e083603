import { batchFor, workingBytes } from './budget';
import { ancestorsOf } from './forward';
import { gemm } from './kernels/gemm';
import type { ReversalMode } from './op';
import type { LayerInfo, PreparedModel, VariableNode } from './prepare';
import { homogeneousOnly, layerNode } from './reuse';
import { reverseContext } from './reverse-context';
import { layerById, writeSeed } from './seeds';
import { sizeOf, type Tensor } from './tensor';
import { countWork } from './work-count';

/**
 * Layers that see a whole feature map (issue 18): a global average pool, and the dense head
 * after it. A pool neuron's seed is the same at every position of its channel; back through
 * the position-wise ops before it (a ReLU6 in the linear rules, 1×1 convolutions, batch norm)
 * it stays so, one value per channel: at the 320-channel projection before MobileNetV2's
 * 1,280-channel pool, every seed is a combination of 320 channel-uniform seeds. Where the rule
 * is linear in the seed (reusedLayers' condition), a = C·B: C the seeds' per-channel values
 * there (a cheap walk back through the few ops between), B the reversals of the K
 * channel-uniform seeds, reversed once and held for the layer's later jobs. K reversals
 * instead of one per neuron. Uniformity is checked on the seeds themselves, not assumed from
 * the ops: a guided or local Clip whose reference differs by position breaks it, and the
 * layer is then reversed the usual way.
 *
 * On small maps the same holds without uniformity: a depthwise 3×3 layer of MobileNetV2's last
 * stage (960 channels at 2×2, known only at its centre) reads, through a 1×1 convolution, a
 * 160-channel map of 640 values; its rows combine the reversals of those 640 one-hot seeds.
 * A layer reusing its sources neuron by neuron keeps that (one op, and its activation for free);
 * one combining its source's known rows (a 1×1 convolution, the dense head) takes a basis only
 * when one is held.
 */

/** Nodes walked back from the layer: the reduction is near it. */
const MAX_CHAIN = 8;
/** The held basis takes at most this share of the working memory (15.7 MB for 320 rows of a 3×64×64 input). */
const BASIS_SHARE = 1 / 4;
/**
 * A basis is computed for a job when the job alone gains (its neurons at least the basis rows:
 * a whole layer on one thread) or when every worker computing it once still gains: each worker
 * of a pool holds its own, so up to this many workers (ReduceMean's 320 rows for 1,280 neurons:
 * 4; a depthwise layer's 640 for 960 is computed on one thread only).
 */
const WORKERS_COVERED = 4;
/** A seed is uniform over a channel's positions where they differ by at most this, relative to the seed's largest value. */
const UNIFORM_TOLERANCE = 1e-6;

interface Candidate {
  /** The walk's nodes from the layer's down to the one reading the candidate. */
  readonly depth: number;
  readonly target: LayerInfo;
  /** Every element of the target is a basis seed (a small map), not one channel-uniform seed per channel. */
  readonly whole: boolean;
  /** Basis rows: the target's channels, or its elements. */
  readonly rows: number;
}

interface Plan {
  /** Nodes from the layer's own, each reading the next one's output, and the tensor each reads. */
  readonly chain: readonly { node: VariableNode; input: string; inputIndex: number; output: number }[];
  /** Layers the chain reads with a channel axis and more than one position, with fewer basis rows than the last (the layer's neurons first), by depth. */
  readonly candidates: readonly Candidate[];
  /** Whether the layer computes a missing basis; one reusing known results (reuse.ts) takes a basis only when it is held. */
  readonly computes: boolean;
  /** Per mode, at the last reference: how many candidates the walk goes to (it stops before the first where seeds were not uniform). */
  readonly reach: Map<ReversalMode, { reference: ReadonlyMap<string, Tensor> | undefined; count: number }>;
}

const plans = new WeakMap<LayerInfo, Plan | null>();

/** The chain of one-input nodes behind a layer, and the layers on it with fewer basis seeds than it has neurons. */
function planOf(model: PreparedModel, layer: LayerInfo): Plan | null {
  if (plans.has(layer)) return plans.get(layer)!;
  const plan = makePlan(model, layer);
  plans.set(layer, plan);
  return plan;
}

function spatialSize(layer: Pick<LayerInfo, 'featureShape' | 'channelAxis'>): number {
  return layer.channelAxis === null ? 1 : sizeOf(layer.featureShape) / layer.featureShape[layer.channelAxis];
}

function makePlan(model: PreparedModel, layer: LayerInfo): Plan | null {
  // Only a layer that reduced its positions can have seeds uniform over a wider map's positions.
  const reduced = spatialSize(layer) === 1;
  // A layer reusing its sources neuron by neuron (reuse.ts) costs one op and takes its activation from theirs: better.
  if (layer.reuses.length > 0) return null;
  const ancestors = ancestorsOf(model, layer.id);
  const readers = new Map<string, number>();
  for (const v of ancestors) for (const i of v.node.inputs) if (i) readers.set(i, (readers.get(i) ?? 0) + 1);
  const layers = new Map(model.layers.map((l) => [l.id, l]));
  const chain: { node: VariableNode; input: string; inputIndex: number; output: number }[] = [];
  const candidates: Candidate[] = [];
  let tensor = layer.id;
  let v: VariableNode | undefined = layerNode(model, layer);
  while (v && chain.length < MAX_CHAIN && v.op.reverse) {
    const output = v.node.outputs.indexOf(tensor);
    // The walk carries one gradient: the node's other outputs must not lead to the layer, its one variable input be read once.
    if (v.node.outputs.some((o, i) => i !== output && o && readers.has(o))) break;
    const variables = v.node.inputs.map((name, i) => ({ name, i })).filter(({ name }) => name && !model.constants.has(name));
    if (variables.length !== 1 || readers.get(variables[0].name) !== 1) break;
    const input = variables[0].name;
    chain.push({ node: v, input, inputIndex: variables[0].i, output });
    if (input === model.inputName) break;
    const source = layers.get(input);
    const best = candidates.length > 0 ? candidates[candidates.length - 1].rows : layer.neurons;
    if (source && source.channelAxis !== null && spatialSize(source) > 1) {
      const size = sizeOf(source.featureShape);
      if (reduced && source.neurons < best) candidates.push({ depth: chain.length, target: source, whole: false, rows: source.neurons });
      else if (size < best) candidates.push({ depth: chain.length, target: source, whole: true, rows: size });
    }
    tensor = input;
    v = model.producer.get(input);
  }
  const computes = layer.reuses.length === 0 && (layer.reusesAll ?? []).length === 0;
  return candidates.length > 0 ? { chain, candidates, computes, reach: new Map() } : null;
}

/** Whether the optimised engine may give this layer's rows as combinations of basis reversals under this mode. */
export function hasBasis(model: PreparedModel, layer: LayerInfo, mode: ReversalMode): boolean {
  return !homogeneousOnly(layer, mode) && planOf(model, layer) !== null;
}

/**
 * Each seed's coefficients on the deepest (fewest-row) candidate's basis: the walk back through
 * the chain, stopped at the first channel-uniform candidate where some seed is not uniform.
 * Null when none is reached.
 */
function coefficients(
  model: PreparedModel, plan: Plan, seeds: Float32Array, batch: number, mode: ReversalMode, reference?: ReadonlyMap<string, Tensor>,
): { candidate: Candidate; values: Float32Array } | null {
  let g = seeds;
  let found: { candidate: Candidate; values: Float32Array } | null = null;
  let next = 0;
  // Candidates past the first that failed for this mode are not walked to again (the walk costs as much as the 1×1 convolutions on it).
  const memo = plan.reach.get(mode);
  const reach = memo && memo.reference === reference ? memo.count : plan.candidates.length;
  for (let d = 0; d < plan.chain.length && next < reach; d++) {
    const { node, inputIndex, output } = plan.chain[d];
    const grads = node.op.reverse!(reverseContext(model, node, batch, mode, reference), node.node.outputs.map((_, i) => (i === output ? g : undefined)));
    const gi = grads[inputIndex];
    if (!gi) return found;
    g = gi;
    const candidate = plan.candidates[next];
    if (candidate.depth !== d + 1) continue;
    next++;
    const values = candidate.whole ? g : channelValues(candidate.target, g, batch);
    if (!values) {
      plan.reach.set(mode, { reference, count: next - 1 });
      return found;
    }
    found = { candidate, values };
  }
  return found;
}

/** Per seed and channel, the sum over positions where the seed is the same at every position of every channel; else null. */
function channelValues(target: LayerInfo, g: Float32Array, batch: number): Float32Array | null {
  const size = sizeOf(target.featureShape);
  if (g.length !== batch * size) return null;
  const channels = target.featureShape[target.channelAxis!];
  const positions = size / channels;
  const at = target.channelAxis === 0 ? (k: number, p: number) => k * positions + p : (k: number, p: number) => p * channels + k;
  const out = new Float32Array(batch * channels);
  for (let b = 0; b < batch; b++) {
    const row = b * size;
    let largest = 0;
    for (let i = 0; i < size; i++) largest = Math.max(largest, Math.abs(g[row + i]));
    const tolerance = UNIFORM_TOLERANCE * largest;
    for (let k = 0; k < channels; k++) {
      const first = g[row + at(k, 0)];
      let sum = 0;
      for (let p = 0; p < positions; p++) {
        const x = g[row + at(k, p)];
        if (Math.abs(x - first) > tolerance) return null;
        sum += x;
      }
      out[b * channels + k] = sum;
    }
  }
  return out;
}

type Held = { key: string; reference: ReadonlyMap<string, Tensor> | undefined; rows: Float32Array };

/** The bases held for a model, the latest last, within BASIS_SHARE together (the gallery moves on layer by layer; pool jobs of two layers may alternate). */
const held = new WeakMap<PreparedModel, Held[]>();

/**
 * a of each basis seed of the candidate, held while it fits: a channel-uniform seed per channel
 * (1/positions at each of its positions), or a one-hot seed per element.
 */
function basisRows(
  model: PreparedModel, { target, whole, rows: channels }: Candidate, mode: ReversalMode, reversal: Reversal, compute: boolean, reference?: ReadonlyMap<string, Tensor>,
): Float32Array | null {
  const key = `${mode}\u0000${target.id}\u0000${whole ? 'whole' : 'channels'}`;
  const list = held.get(model) ?? [];
  const hit = list.find((h) => h.key === key && h.reference === reference);
  if (hit) return hit.rows;
  const inputSize = sizeOf(model.inputShape);
  const cap = workingBytes() * BASIS_SHARE;
  if (!compute || 4 * channels * inputSize > cap) return null;
  while (list.length > 0 && 4 * (channels * inputSize + list.reduce((n, h) => n + h.rows.length, 0)) > cap) list.shift();
  const outSize = sizeOf(target.featureShape);
  let maxTensor = inputSize;
  for (const v of ancestorsOf(model, target.id)) for (const s of v.outputShapes) maxTensor = Math.max(maxTensor, sizeOf(s));
  const chunk = batchFor(maxTensor, 4);
  const rows = new Float32Array(channels * inputSize);
  for (let k0 = 0; k0 < channels; k0 += chunk) {
    const count = Math.min(chunk, channels - k0);
    const seeds = new Float32Array(count * outSize);
    for (let b = 0; b < count; b++) {
      if (whole) seeds[b * outSize + k0 + b] = 1;
      else writeSeed(target, k0 + b, { kind: 'channel' }, seeds, b * outSize);
    }
    rows.set(reversal(target.id, seeds, count), k0 * inputSize);
  }
  list.push({ key, reference, rows });
  held.set(model, list);
  return rows;
}

/** a = Jᵀ·seeds for `batch` seeds of a layer under the run's mode and reference (reverse.ts, counted as the layer's). */
export type Reversal = (layerId: string, seeds: Float32Array, batch: number) => Float32Array;

/**
 * a for a batch of seeds of a layer with a basis (hasBasis), or null when the
 * seeds reach no candidate (not uniform where they must be) or its basis is neither held nor fits.
 */
export function reverseByBasis(
  model: PreparedModel, layerId: string, seeds: Float32Array, batch: number, mode: ReversalMode, reversal: Reversal, jobNeurons: number,
  reference?: ReadonlyMap<string, Tensor>,
): Float32Array | null {
  const layer = layerById(model, layerId);
  const plan = planOf(model, layer);
  if (!plan) return null;
  const c = coefficients(model, plan, seeds, batch, mode, reference);
  if (!c) return null;
  const gains = jobNeurons >= c.candidate.rows || c.candidate.rows * WORKERS_COVERED <= layer.neurons;
  const rows = basisRows(model, c.candidate, mode, reversal, plan.computes && gains, reference);
  if (!rows) return null;
  const inputSize = sizeOf(model.inputShape);
  const a = new Float32Array(batch * inputSize);
  gemm({ m: batch, n: inputSize, k: c.candidate.rows, a: c.values, b: rows, c: a });
  countWork(layer.id, 'reused', batch);
  return a;
}
