import { UnsupportedOpError } from './graph';
import type { ReversalMode } from './op';
import type { LayerInfo, PreparedModel, VariableNode } from './prepare';
import { reverseContext } from './reverse-context';
import { layerById, writeSeed, type Objective } from './seeds';
import { sizeOf, type Tensor } from './tensor';

/**
 * Work shared between layers (issue 9). A layer whose node works element by element on the
 * layers feeding it (BatchNormalization after a conv, an activation, a residual Add) sends
 * a seed at neuron n back onto seeds at neuron n of those layers, times a factor α. The
 * reversal from there on is theirs, so a = Σ α · a(source, n): one op reversed instead of
 * the whole network. Exact in the linear rules (exact, surrogate, local); deconvnet and
 * guided are only positively homogeneous, so there a single source with α ≥ 0 is required.
 */

/** Reversals a = Jᵀ·seed already computed under the same settings, by layer and neuron. */
export type KnownReversals = (layer: string, neuron: number) => Float32Array | undefined;

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

/**
 * a for `batch` seeds of a layer from the known reversals of the layers it reuses, seed by
 * seed: `reused[b]` is 1 where seed b's row was made so, 0 where it must be reversed the
 * usual way (it leaves their neurons, a needed reversal is unknown, or the rule forbids it).
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
  reference?: ReadonlyMap<string, Tensor>,
): { a: Float32Array; reused: Uint8Array } | null {
  if (layer.reuses.length === 0 || !node.op.reverse) return null;
  const ctx = reverseContext(model, node, batch, mode, reference);
  const gradInputs = node.op.reverse(ctx, node.node.outputs.map((o) => (o === layer.id ? seeds : undefined)));
  // Each variable input with a gradient: the source layer, and the neuron at each of its indices.
  const inputs: { g: Float32Array; source: LayerInfo; neuronAt: Int32Array }[] = [];
  for (let i = 0; i < node.node.inputs.length; i++) {
    const name = node.node.inputs[i];
    const g = gradInputs[i];
    if (!name || !g || model.constants.has(name)) continue;
    if (!layer.reuses.includes(name)) return null;
    const source = layerById(model, name);
    const neuronAt = cachedSeedIndex(source, objective);
    if (!neuronAt) return null;
    inputs.push({ g, source, neuronAt });
  }
  const homogeneousOnly = mode === 'deconvnet' || mode === 'guided';
  const inputSize = sizeOf(model.inputShape);
  const a = new Float32Array(batch * inputSize);
  const reused = new Uint8Array(batch);
  const terms: { alpha: number; row: Float32Array }[] = [];
  for (let b = 0; b < batch; b++) {
    terms.length = 0;
    let ok = true;
    let sources = 0;
    for (const { g, source, neuronAt } of inputs) {
      const size = neuronAt.length;
      let used = false;
      for (let j = 0; j < size && ok; j++) {
        const alpha = g[b * size + j];
        if (alpha === 0) continue;
        const n = neuronAt[j];
        const row = n < 0 || (homogeneousOnly && alpha < 0) ? undefined : known(source.id, n);
        if (!row || row.length !== inputSize) ok = false;
        else terms.push({ alpha, row });
        used = true;
      }
      if (used) sources++;
    }
    if (!ok || (homogeneousOnly && sources > 1)) continue;
    const out = b * inputSize;
    for (const { alpha, row } of terms) for (let k = 0; k < inputSize; k++) a[out + k] += alpha * row[k];
    reused[b] = 1;
  }
  return { a, reused };
}

/** The node that writes a layer's tensor. */
export function layerNode(model: PreparedModel, layer: LayerInfo): VariableNode {
  const v = model.nodes.find((n) => n.node.name === layer.node);
  if (!v) throw new UnsupportedOpError(layer.op, layer.node, 'its node is not in the prepared model');
  return v;
}

/** a recovered from a result: x* = r·a/‖a‖, so a = x*·‖a‖/r (zero for dead neurons). */
function reversalFromResult(xstar: Float32Array, norm: number, radius: number): Float32Array {
  const a = new Float32Array(xstar.length);
  const scale = norm / radius;
  for (let i = 0; i < a.length; i++) a[i] = xstar[i] * scale;
  return a;
}

/** Known reversals from whole results of earlier layers (a single-threaded gallery, tests). */
export function knownFromResults(results: ReadonlyMap<string, { readonly neurons: readonly number[]; readonly xstar: Float32Array; readonly norms: Float32Array }>, radius: number): KnownReversals {
  return (layer, neuron) => {
    const r = results.get(layer);
    const i = r ? r.neurons.indexOf(neuron) : -1;
    if (!r || i < 0) return undefined;
    const size = r.xstar.length / r.neurons.length;
    return reversalFromResult(r.xstar.subarray(i * size, (i + 1) * size), r.norms[i], radius);
  };
}
