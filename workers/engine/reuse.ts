import { batchFor } from './budget';
import { UnsupportedOpError } from './graph';
import { gemm } from './kernels/gemm';
import type { ReversalMode } from './op';
import { sameOrderSource, type LayerInfo, type PreparedModel, type VariableNode } from './prepare';
import { reverseContext } from './reverse-context';
import { layerById, writeSeed, type Objective } from './seeds';
import { sizeOf, type Tensor } from './tensor';

/**
 * Work shared between layers (issue 9). A layer whose node works element by element on the
 * layers feeding it (BatchNormalization after a conv, an activation, a residual Add) sends
 * a seed at neuron n back onto seeds at neuron n of those layers, times a factor α. The
 * reversal from there on is theirs, so a = Σ α · a(source, n): one op reversed instead of
 * the whole network. Exact wherever the rule is linear in the seed: exact, surrogate and local
 * always, deconvnet and guided where no ReLU lies behind the layer (their rule changes only
 * ReLU's: relu(g), LayerInfo.homogeneousIn). Behind a ReLU they are only positively
 * homogeneous, so there a single source with α ≥ 0 is required.
 */

/** Results of other layers already computed under the same settings, by layer and neuron. */
export interface KnownReversals {
  /** Writes the reversal a = Jᵀ·seed into out[offset …]; false when it is not known. */
  reversal(layer: string, neuron: number, out: Float32Array, offset: number): boolean;
  /** The objective the true model reaches at the neuron's x* (undefined when not known). */
  activation(layer: string, neuron: number): number | undefined;
  /** ‖x*‖ of the neuron's result: its layer's radius (0 for a dead neuron; undefined when not known). */
  radius(layer: string, neuron: number): number | undefined;
}

/** Flat index of each neuron's seed in a layer (one-hot objectives only), and the neuron at each index (-1 elsewhere). */
function seedIndex(layer: LayerInfo, objective: Objective): Int32Array | null {
  if (objective.kind !== 'neuron' && objective.kind !== 'position') return null;
  const size = sizeOf(layer.featureShape);
  const neuronAt = new Int32Array(size).fill(-1);
  const seed = new Float32Array(size);
  for (let n = 0; n < layer.neurons; n++) {
    writeSeed(layer, n, objective, seed, 0);
    let at = -1;
    for (let i = 0; i < size; i++) {
      if (seed[i] !== 0) {
        at = i;
        seed[i] = 0;
      }
    }
    if (at >= 0) neuronAt[at] = n;
  }
  return neuronAt;
}

const seedIndexCache = new WeakMap<LayerInfo, Map<string, Int32Array | null>>();

function cachedSeedIndex(layer: LayerInfo, objective: Objective): Int32Array | null {
  const key = objective.kind === 'position' ? `p${objective.position.join(',')}` : objective.kind;
  let byObjective = seedIndexCache.get(layer);
  if (!byObjective) seedIndexCache.set(layer, (byObjective = new Map()));
  if (!byObjective.has(key)) byObjective.set(key, seedIndex(layer, objective));
  return byObjective.get(key)!;
}

/** What reuseReversals made of a batch of seeds. */
export interface Reused {
  readonly a: Float32Array;
  /** 1 where seed b's row was made from known reversals, 0 where it must be reversed the usual way. */
  readonly reused: Uint8Array;
  /**
   * Where a row is α·a(source, n) with one source neuron and α > 0, its x* is the source's,
   * so the activation it reaches follows from the source's (reachedFromSource): the source's
   * reached activation, else NaN.
   */
  readonly sourceActivation: Float32Array;
}

const producers = new WeakMap<PreparedModel, Map<string, VariableNode>>();

/** The node writing each tensor of a model. */
function producerIn(model: PreparedModel): (tensor: string) => VariableNode | undefined {
  let byTensor = producers.get(model);
  if (!byTensor) {
    byTensor = new Map();
    for (const v of model.nodes) for (const o of v.node.outputs) if (o) byTensor.set(o, v);
    producers.set(model, byTensor);
  }
  const map = byTensor;
  return (tensor) => map.get(tensor);
}

/** The layers whose known reversals a layer's reversal may combine under a mode's rule. */
export function reusedLayers(layer: Pick<LayerInfo, 'reuses' | 'reusesAll' | 'homogeneousIn'>, mode: string): readonly string[] {
  // A dense combination Σ α·a(source, n) over many neurons holds only where the rule is linear in the seed.
  return homogeneousOnly(layer, mode) ? layer.reuses : [...layer.reuses, ...(layer.reusesAll ?? [])];
}

/**
 * A block of source rows takes 1/LIVE_SOURCE_ROWS of the working memory, and lives twice (here
 * and in WebAssembly memory, gemm-wasm.ts, which keeps its size for the worker's life): on a
 * 224-pixel input 53 rows (32 MB) at the largest working share. Smaller blocks only re-read a
 * (the job's rows) more often; the forward check of the same job costs far more.
 */
const LIVE_SOURCE_ROWS = 8;

/** Whether the rule behind the layer is only positively homogeneous in the seed under this mode (deconvnet and guided behind a ReLU). */
export const homogeneousOnly = (layer: Pick<LayerInfo, 'homogeneousIn'>, mode: string): boolean => layer.homogeneousIn?.some((m) => m === mode) ?? false;

/**
 * a for `batch` seeds of a layer from the known reversals of the layers it reuses, seed by
 * seed: `reused[b]` is 1 where seed b's row was made so, 0 where it must be reversed the
 * usual way (it leaves their neurons, a needed reversal is unknown, or the rule forbids it).
 * The combination is one GEMM: the seeds' factors (batch × rows) times the distinct source
 * rows they need, taken in chunks that fit the working memory.
 */
export function reuseReversals(
  model: PreparedModel,
  layer: LayerInfo,
  seeds: Float32Array,
  batch: number,
  mode: ReversalMode,
  objective: Objective,
  known: KnownReversals,
  node: VariableNode,
  radius: number,
  reference?: ReadonlyMap<string, Tensor>,
): Reused | null {
  const sources = reusedLayers(layer, mode);
  if (sources.length === 0 || !node.op.reverse) return null;
  const ctx = reverseContext(model, node, batch, mode, reference);
  const gradInputs = node.op.reverse(ctx, node.node.outputs.map((o) => (o === layer.id ? seeds : undefined)));
  // Each variable input with a gradient: the source layer, and the neuron at each of its indices.
  const inputs: { g: Float32Array; source: LayerInfo; neuronAt: Int32Array }[] = [];
  for (let i = 0; i < node.node.inputs.length; i++) {
    const name = node.node.inputs[i];
    const g = gradInputs[i];
    if (!name || !g || model.constants.has(name)) continue;
    const sourceId = sources.includes(name) ? name : sameOrderSource(name, producerIn(model));
    if (!sources.includes(sourceId)) return null;
    const source = layerById(model, sourceId);
    const neuronAt = cachedSeedIndex(source, objective);
    if (!neuronAt || g.length !== batch * neuronAt.length) return null;
    inputs.push({ g, source, neuronAt });
  }
  const homogeneous = homogeneousOnly(layer, mode);
  const inputSize = sizeOf(model.inputShape);
  const reused = new Uint8Array(batch);
  const sourceActivation = new Float32Array(batch).fill(NaN);
  // The distinct source neurons the seeds need (rows of the GEMM's right factor), and each seed's terms.
  const rowOf = new Map<string, number>();
  let rows: { source: string; neuron: number }[] = [];
  const terms: { row: number; alpha: number }[][] = [];
  for (let b = 0; b < batch; b++) {
    const own: { row: number; alpha: number }[] = [];
    let ok = true;
    for (const { g, source, neuronAt } of inputs) {
      const size = neuronAt.length;
      for (let j = 0; j < size && ok; j++) {
        const alpha = g[b * size + j];
        if (alpha === 0) continue;
        const n = neuronAt[j];
        if (n < 0 || (homogeneous && alpha < 0)) {
          ok = false;
          break;
        }
        const key = `${source.id}\u0000${n}`;
        let row = rowOf.get(key);
        if (row === undefined) {
          rowOf.set(key, (row = rows.length));
          rows.push({ source: source.id, neuron: n });
        }
        own.push({ row, alpha });
      }
    }
    // Deconvnet and guided behind a ReLU are only positively homogeneous: one term, α ≥ 0.
    if (ok && homogeneous && own.length > 1) ok = false;
    terms.push(ok ? own : []);
    reused[b] = ok ? 1 : 0;
  }
  // Rows in source and neuron order, whatever seeds the batch holds: the same sum in the same order for a neuron in any job.
  const order = rows.map((_, r) => r).sort((x, y) => (rows[x].source < rows[y].source ? -1 : rows[x].source > rows[y].source ? 1 : rows[x].neuron - rows[y].neuron));
  const rank = new Int32Array(rows.length);
  order.forEach((r, i) => (rank[r] = i));
  rows = order.map((r) => rows[r]);
  for (const own of terms) for (const t of own) t.row = rank[t.row];
  const a = new Float32Array(batch * inputSize);
  const chunk = Math.max(1, Math.min(rows.length, batchFor(inputSize, LIVE_SOURCE_ROWS)));
  const factors = new Float32Array(batch * chunk);
  const missing = new Uint8Array(rows.length);
  // One block of source rows for every chunk: a fresh one per chunk was garbage the size of the working memory.
  const block = new Float32Array(chunk * inputSize);
  for (let r0 = 0; r0 < rows.length; r0 += chunk) {
    const count = Math.min(chunk, rows.length - r0);
    const right = block.subarray(0, count * inputSize);
    for (let r = 0; r < count; r++) {
      const { source, neuron } = rows[r0 + r];
      if (!known.reversal(source, neuron, right, r * inputSize)) missing[r0 + r] = 1;
    }
    factors.fill(0);
    for (let b = 0; b < batch; b++) {
      for (const { row, alpha } of terms[b]) if (row >= r0 && row < r0 + count) factors[b * count + row - r0] += alpha;
    }
    gemm({ m: batch, n: inputSize, k: count, a: factors, b: right, c: a, accumulate: true });
  }
  for (let b = 0; b < batch; b++) {
    if (!reused[b]) continue;
    if (terms[b].some(({ row }) => missing[row])) {
      reused[b] = 0;
      continue;
    }
    const only = terms[b].length === 1 ? terms[b][0] : undefined;
    // The same x* only where the source's results have this layer's radius (a per-layer radius follows the receptive field).
    const same = only && only.alpha > 0 && Math.abs((known.radius(rows[only.row].source, rows[only.row].neuron) ?? 0) - radius) <= 1e-6 * radius;
    if (only && same) sourceActivation[b] = known.activation(rows[only.row].source, rows[only.row].neuron) ?? NaN;
  }
  return { a, reused, sourceActivation };
}

/**
 * The activations a layer's neurons reach at their sources' x* (rows with a known
 * sourceActivation; the others are left as they are). The layer's node works element by
 * element on its one variable input, so at that x* the neuron's value is the node applied to
 * the source neuron's value: one forward pass of the node over a map holding each row's
 * source value at its seed's index, instead of a forward pass of the whole network per row.
 * Needs one-hot seeds (neuron and position objectives) at distinct indices; returns the rows done.
 */
export function reachedFromSource(
  model: PreparedModel, layer: LayerInfo, node: VariableNode, seeds: Float32Array, batch: number,
  sourceActivation: Float32Array, activations: Float32Array, offset: number,
): Uint8Array {
  const done = new Uint8Array(batch);
  const variables = node.node.inputs.filter((name) => name && !model.constants.has(name));
  const outIndex = node.node.outputs.indexOf(layer.id);
  if (variables.length === 0 || variables.some((name) => name !== variables[0]) || outIndex < 0) return done;
  const inputIndex = node.node.inputs.indexOf(variables[0]);
  const inShape = node.ctx.inputShapes[inputIndex];
  const outSize = sizeOf(layer.featureShape);
  if (!inShape || sizeOf(inShape) !== outSize || sizeOf(node.outputShapes[outIndex]) !== outSize) return done;
  const values = new Float32Array(outSize);
  const taken = new Uint8Array(outSize);
  const at = new Int32Array(batch).fill(-1);
  for (let b = 0; b < batch; b++) {
    if (Number.isNaN(sourceActivation[b])) continue;
    const j = oneHotIndex(seeds, b * outSize, outSize);
    if (j < 0 || taken[j]) continue;
    values[j] = sourceActivation[b];
    taken[j] = 1;
    at[b] = j;
  }
  const tensors = node.node.inputs.map((name) => {
    if (!name) return undefined;
    return model.constants.get(name) ?? { dtype: 'float32' as const, shape: inShape, data: values };
  });
  const y = node.op.forward(node.ctx, tensors)[outIndex].data;
  for (let b = 0; b < batch; b++) {
    if (at[b] < 0) continue;
    activations[offset + b] = seeds[b * outSize + at[b]] * y[at[b]];
    done[b] = 1;
  }
  return done;
}

/** The index of a seed's one non-zero value, or -1 when it has none or several. */
function oneHotIndex(seeds: Float32Array, offset: number, size: number): number {
  let at = -1;
  for (let i = 0; i < size; i++) {
    if (seeds[offset + i] === 0) continue;
    if (at >= 0) return -1;
    at = i;
  }
  return at;
}

/** The node that writes a layer's tensor. */
export function layerNode(model: PreparedModel, layer: LayerInfo): VariableNode {
  const v = model.nodes.find((n) => n.node.name === layer.node);
  if (!v) throw new UnsupportedOpError(layer.op, layer.node, 'its node is not in the prepared model');
  return v;
}

type KnownResult = { readonly neurons: readonly number[]; readonly xstar: Float32Array; readonly norms: Float32Array; readonly activations?: Float32Array };

/** Some results of one layer: a layer's results may come in several parts (each job's, shared as they came). */
export type KnownPart = KnownResult & { readonly layer: string };

const rowIndex = new WeakMap<KnownResult, Map<number, number>>();

/** The row of a neuron in a result (indexed once per result). */
function rowOfNeuron(r: KnownResult, neuron: number): number {
  let index = rowIndex.get(r);
  if (!index) rowIndex.set(r, (index = new Map(r.neurons.map((n, i) => [n, i]))));
  return index.get(neuron) ?? -1;
}

/**
 * Known reversals from whole results of other layers (a single-threaded gallery, tests). a is
 * recovered from x* = r·a/‖a‖ as a = x*·‖a‖/‖x*‖ (zero for dead neurons): ‖x*‖ stands for r,
 * which differs from layer to layer when it follows the receptive field. The map is read at
 * each call: results added later are known.
 */
export function knownFromResults(results: ReadonlyMap<string, KnownResult>): KnownReversals {
  return knownOver((layer) => {
    const r = results.get(layer);
    return r ? [r] : [];
  });
}

/** knownFromResults over parts of results, several per layer (a job's dense sources, each part as the pool holds it). */
export function knownFromParts(parts: readonly KnownPart[]): KnownReversals {
  const byLayer = new Map<string, KnownPart[]>();
  for (const part of parts) byLayer.set(part.layer, [...(byLayer.get(part.layer) ?? []), part]);
  return knownOver((layer) => byLayer.get(layer) ?? []);
}

function knownOver(partsOf: (layer: string) => readonly KnownResult[]): KnownReversals {
  const find = (layer: string, neuron: number): { part: KnownResult; row: number } | undefined => {
    for (const part of partsOf(layer)) {
      const row = rowOfNeuron(part, neuron);
      if (row >= 0) return { part, row };
    }
    return undefined;
  };
  const normOf = (part: KnownResult, row: number): number => {
    const size = part.xstar.length / part.neurons.length;
    let sq = 0;
    for (let k = row * size; k < (row + 1) * size; k++) sq += part.xstar[k] * part.xstar[k];
    return Math.sqrt(sq);
  };
  return {
    reversal(layer, neuron, out, offset) {
      const hit = find(layer, neuron);
      if (!hit) return false;
      const { part, row } = hit;
      const size = part.xstar.length / part.neurons.length;
      const start = row * size;
      const norm = normOf(part, row);
      const scale = norm > 0 ? part.norms[row] / norm : 0;
      for (let k = 0; k < size; k++) out[offset + k] = part.xstar[start + k] * scale;
      return true;
    },
    activation(layer, neuron) {
      const hit = find(layer, neuron);
      return hit?.part.activations?.[hit.row];
    },
    radius(layer, neuron) {
      const hit = find(layer, neuron);
      return hit ? normOf(hit.part, hit.row) : undefined;
    },
  };
}
