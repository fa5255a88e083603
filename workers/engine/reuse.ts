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

/** Results of other layers already computed under the same settings, by layer and neuron. */
export interface KnownReversals {
  /** The reversal a = Jᵀ·seed. */
  reversal(layer: string, neuron: number): Float32Array | undefined;
  /** The objective the true model reaches at the neuron's x* (undefined when not known). */
  activation(layer: string, neuron: number): number | undefined;
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
): Reused | null {
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
  const sourceActivation = new Float32Array(batch).fill(NaN);
  const terms: { alpha: number; row: Float32Array; source: string; neuron: number }[] = [];
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
        const row = n < 0 || (homogeneousOnly && alpha < 0) ? undefined : known.reversal(source.id, n);
        if (!row || row.length !== inputSize) ok = false;
        else terms.push({ alpha, row, source: source.id, neuron: n });
        used = true;
      }
      if (used) sources++;
    }
    if (!ok || (homogeneousOnly && sources > 1)) continue;
    const out = b * inputSize;
    for (const { alpha, row } of terms) for (let k = 0; k < inputSize; k++) a[out + k] += alpha * row[k];
    reused[b] = 1;
    if (terms.length === 1 && terms[0].alpha > 0) sourceActivation[b] = known.activation(terms[0].source, terms[0].neuron) ?? NaN;
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

/**
 * a recovered from a result: x* = r·a/‖a‖, so a = x*·‖a‖/‖x*‖ (zero for dead neurons). ‖x*‖
 * stands for r, which differs from layer to layer when it follows the receptive field.
 */
function reversalFromResult(xstar: Float32Array, norm: number): Float32Array {
  let sq = 0;
  for (let i = 0; i < xstar.length; i++) sq += xstar[i] * xstar[i];
  const a = new Float32Array(xstar.length);
  if (!(sq > 0)) return a;
  const scale = norm / Math.sqrt(sq);
  for (let i = 0; i < a.length; i++) a[i] = xstar[i] * scale;
  return a;
}

/** Known reversals from whole results of earlier layers (a single-threaded gallery, tests). */
export function knownFromResults(
  results: ReadonlyMap<string, { readonly neurons: readonly number[]; readonly xstar: Float32Array; readonly norms: Float32Array; readonly activations?: Float32Array }>,
): KnownReversals {
  const find = (layer: string, neuron: number) => {
    const r = results.get(layer);
    const i = r ? r.neurons.indexOf(neuron) : -1;
    return r && i >= 0 ? { r, i } : undefined;
  };
  return {
    reversal(layer, neuron) {
      const hit = find(layer, neuron);
      if (!hit) return undefined;
      const { r, i } = hit;
      const size = r.xstar.length / r.neurons.length;
      return reversalFromResult(r.xstar.subarray(i * size, (i + 1) * size), r.norms[i]);
    },
    activation(layer, neuron) {
      const hit = find(layer, neuron);
      return hit?.r.activations?.[hit.i];
    },
  };
}
