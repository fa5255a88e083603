import { batchFor } from './budget';
import { ModelError, UnsupportedOpError, errorMessage } from './graph';
import { ancestorsOf, runForward } from './forward';
import { runForwardBatch } from './forward-batch';
import { dotInBox, runForwardRegion, seedBox } from './forward-region';
import type { ReversalMode } from './op';
import type { LayerInfo, PreparedModel, VariableNode } from './prepare';
import { isOptimised } from './optimise';
import { layerNode, reachedFromSource, reusedLayers, reuseReversals, type KnownReversals } from './reuse';
import { reverseByBasis, hasBasis } from './reverse-basis';
import { reverseContext } from './reverse-context';
import { layerById, writeSeed, type Objective } from './seeds';
import { recycleFloats, zeroedFloats } from './kernels/scratch';
import { formatShape, sizeOf, type Tensor } from './tensor';
import type { LayerResult } from './layer-result';
import { countWork } from './work-count';

export interface ReverseOptions {
  readonly mode: ReversalMode;
  readonly objective: Objective;
  /** The norm r of every x*. */
  readonly radius: number;
  /** The reference input x0 (feature shape) of the local, deconvnet and guided rules; zero when absent. */
  readonly reference?: Float32Array;
  /** Reversals of other layers under the same settings, for the optimised engine to reuse (reuse.ts). */
  readonly known?: KnownReversals;
}

/** Tensors a chunk of seeds keeps live at once (a residual block holds its branch and its shortcut; an op its input and output). */
const LIVE_GRADIENTS = 4;
/** Tensors the batched forward pass keeps live at once. */
const LIVE_FORWARD = 8;
/** Input-sized rows a layer combining all of its sources' reversals keeps per seed (a and x*). */
const LIVE_DENSE = 2;

export function neuronCount(layer: LayerInfo, objective: Objective): number {
  return objective.kind === 'direction' ? 1 : layer.neurons;
}

const zeroForwardCache = new WeakMap<PreparedModel, Map<string, Tensor>>();

function zeroForward(model: PreparedModel): Map<string, Tensor> {
  let v = zeroForwardCache.get(model);
  if (!v) {
    v = runForward(model, new Float32Array(sizeOf(model.inputShape)));
    zeroForwardCache.set(model, v);
  }
  return v;
}

function dot(a: Float32Array, aOff: number, b: ArrayLike<number>, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[aOff + i] * b[i];
  return s;
}

/**
 * The optimal inputs of a batch of neurons of one layer: all seeds reversed together
 * (each op's reversal is matrix–matrix work over the batch).
 */
export function reverseLayer(model: PreparedModel, layerId: string, neurons: readonly number[], options: ReverseOptions): LayerResult {
  const layer = layerById(model, layerId);
  const { mode, objective, radius } = options;
  if (!(radius > 0) || !Number.isFinite(radius)) throw new ModelError(`radius must be a positive number, got ${radius}`);
  const nodes = ancestorsOf(model, layer.id);
  if (mode === 'exact') {
    const nonlinear = nodes.filter((v) => v.nonlinear).map((v) => v.node.name);
    if (nonlinear.length > 0) throw exactRefusal(model, nonlinear);
  }
  const inputSize = sizeOf(model.inputShape);
  const outSize = sizeOf(layer.featureShape);
  let maxTensor = inputSize;
  for (const v of nodes) for (const s of v.outputShapes) maxTensor = Math.max(maxTensor, sizeOf(s));
  const gradientChunk = batchFor(maxTensor, LIVE_GRADIENTS);
  // A layer combining every reversal of its sources (reuse.ts, one GEMM) reverses no map per
  // seed: its whole job goes in one product, so the source rows are read once, not per chunk.
  const dense = isOptimised() && !!options.known && reusedLayers(layer, mode).some((s) => !layer.reuses.includes(s));
  const chunk = dense ? Math.max(gradientChunk, Math.min(neurons.length, batchFor(inputSize, LIVE_DENSE))) : gradientChunk;

  const reference = mode === 'exact' ? undefined : referenceValues(model, options.reference);
  const zero = zeroForward(model);
  const layerAtZero = zero.get(layer.id)!.data;

  // A layer after a global pool, or on a small map: its rows combine the reversals of a few basis seeds (reverse-basis.ts), reversed once.
  const basis = isOptimised() && hasBasis(model, layer, mode);
  const counted = (id: string, s: Float32Array, b: number): Float32Array => {
    countWork(layer.id, 'reversed', b);
    return reverseSeeds(model, id, s, b, mode, reference);
  };
  const count = neurons.length;
  const xstar = new Float32Array(count * inputSize);
  const norms = new Float32Array(count);
  const activations = new Float32Array(count);
  const baselines = new Float32Array(count);
  const dead = new Uint8Array(count);

  for (let start = 0; start < count; start += chunk) {
    const batch = Math.min(chunk, count - start);
    const seeds = zeroedFloats(batch * outSize);
    for (let b = 0; b < batch; b++) writeSeed(layer, neurons[start + b], objective, seeds, b * outSize);
    const reusing = isOptimised() && options.known && reusedLayers(layer, mode).length > 0;
    const fromBasis = basis ? reverseByBasis(model, layer.id, seeds, batch, mode, counted, count, reference) : null;
    const { a, sourceActivation } = fromBasis
      ? { a: fromBasis, sourceActivation: undefined }
      : reusing
        ? reverseReusing(model, layer, seeds, batch, mode, objective, options.known!, radius, gradientChunk, reference)
        : { a: reverseSeedsCounted(model, layer.id, seeds, batch, mode, reference), sourceActivation: undefined };
    for (let b = 0; b < batch; b++) {
      const row = start + b;
      let sq = 0;
      for (let i = 0; i < inputSize; i++) sq += a[b * inputSize + i] * a[b * inputSize + i];
      const norm = Math.sqrt(sq);
      norms[row] = norm;
      baselines[row] = dot(seeds, b * outSize, layerAtZero, outSize);
      if (!(norm > 0) || !Number.isFinite(norm)) {
        dead[row] = 1;
        norms[row] = 0;
        activations[row] = baselines[row];
        continue;
      }
      const scale = radius / norm;
      for (let i = 0; i < inputSize; i++) xstar[row * inputSize + i] = a[b * inputSize + i] * scale;
      if (mode === 'exact') activations[row] = radius * norm + baselines[row];
    }
    if (mode !== 'exact') {
      // Rows whose activation needs no forward pass: dead ones (their baseline) and those reusing one source's x*.
      const settled = dead.slice(start, start + batch);
      if (sourceActivation) {
        for (let b = 0; b < batch; b++) if (settled[b]) sourceActivation[b] = NaN;
        const fromSource = reachedFromSource(model, layer, layerNode(model, layer), seeds, batch, sourceActivation, activations, start);
        for (let b = 0; b < batch; b++) settled[b] |= fromSource[b];
      }
      reachedActivations(model, layer.id, seeds, xstar, start, batch, settled, activations, batchFor(maxTensor, LIVE_FORWARD));
    }
    if (a.buffer !== seeds.buffer) recycleFloats(a);
    recycleFloats(seeds);
  }
  const linearisedAt =
    mode === 'surrogate' ? nodes.filter((v) => v.nonlinear && (v.op.linearisedInSurrogate?.(v.ctx) ?? true)).map((v) => v.node.name) : [];
  return { layer: layer.id, neurons: [...neurons], inputShape: model.inputFeatureShape, xstar, norms, activations, baselines, dead, linearisedAt };
}

/**
 * The objective the true model reaches at x* of rows start … start + batch − 1 (nonlinear
 * modes), except the `settled` ones (dead rows keep their baseline; rows whose activation
 * followed from their source's). The optimised engine runs the forward pass for up to
 * `perPass` rows at once (forward-batch.ts); the reference engine runs it row by row.
 */
function reachedActivations(
  model: PreparedModel, layerId: string, seeds: Float32Array, xstar: Float32Array, start: number, batch: number,
  settled: Uint8Array, activations: Float32Array, perPass: number,
): void {
  const inputSize = sizeOf(model.inputShape);
  const outSize = seeds.length / batch;
  countWork(layerId, 'checked', settled.reduce((n, s) => n + (s ? 0 : 1), 0));
  if (!isOptimised()) {
    for (let b = 0; b < batch; b++) {
      const row = start + b;
      if (settled[b]) continue;
      const y = runForward(model, xstar.subarray(row * inputSize, (row + 1) * inputSize), [layerId]).get(layerId)!.data;
      activations[row] = dot(seeds, b * outSize, y, outSize);
    }
    return;
  }
  const todo: number[] = [];
  for (let b = 0; b < batch; b++) if (!settled[b]) todo.push(b);
  if (todo.length === 0) return;
  // The rows to run side by side (a copy only when some rows are left out).
  const contiguous = todo.length === batch;
  const rowsOf = (from: number, count: number): Float32Array => {
    if (contiguous) return xstar.subarray((start + from) * inputSize, (start + from + count) * inputSize);
    const rows = new Float32Array(count * inputSize);
    for (let i = 0; i < count; i++) rows.set(xstar.subarray((start + todo[from + i]) * inputSize, (start + todo[from + i] + 1) * inputSize), i * inputSize);
    return rows;
  };
  // The seeds read one box of the layer (its centre for the neuron objective): only that box's cone is computed.
  const featureShape = layerById(model, layerId).featureShape;
  const box = seedBox(featureShape, seeds, batch);
  for (let i0 = 0; i0 < todo.length; i0 += perPass) {
    const count = Math.min(perPass, todo.length - i0);
    const rows = rowsOf(i0, count);
    const inBox = box && runForwardRegion(model, rows, count, layerId, box);
    if (box && inBox) {
      for (let i = 0; i < count; i++) activations[start + todo[i0 + i]] = dotInBox(featureShape, seeds, todo[i0 + i], inBox, i, box);
      continue;
    }
    const y = runForwardBatch(model, rows, count, layerId);
    for (let i = 0; i < count; i++) activations[start + todo[i0 + i]] = dotRows(seeds, todo[i0 + i] * outSize, y, i * outSize, outSize);
    recycleFloats(y);
  }
}

function dotRows(a: Float32Array, aOff: number, b: Float32Array, bOff: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[aOff + i] * b[bOff + i];
  return s;
}

/** a for a batch of seeds: reused from known reversals where it can be (reuse.ts), reversed the usual way for the rest. */
function reverseReusing(
  model: PreparedModel, layer: LayerInfo, seeds: Float32Array, batch: number, mode: ReversalMode, objective: Objective,
  known: KnownReversals, radius: number, gradientChunk: number, reference?: ReadonlyMap<string, Tensor>,
): { a: Float32Array; sourceActivation?: Float32Array } {
  const outSize = sizeOf(layer.featureShape);
  const inputSize = sizeOf(model.inputShape);
  const reuse = reuseReversals(model, layer, seeds, batch, mode, objective, known, layerNode(model, layer), radius, reference);
  if (!reuse && batch <= gradientChunk) return { a: reverseSeedsCounted(model, layer.id, seeds, batch, mode, reference) };
  const rest: number[] = [];
  for (let b = 0; b < batch; b++) if (!reuse || reuse.reused[b] === 0) rest.push(b);
  if (reuse) countWork(layer.id, 'reused', batch - rest.length);
  const a = reuse?.a ?? new Float32Array(batch * inputSize);
  // The rows not reused are reversed through the network, in chunks its gradients fit.
  for (let r0 = 0; r0 < rest.length; r0 += gradientChunk) {
    const part = rest.slice(r0, r0 + gradientChunk);
    const restSeeds = new Float32Array(part.length * outSize);
    part.forEach((b, i) => restSeeds.set(seeds.subarray(b * outSize, (b + 1) * outSize), i * outSize));
    const restA = reverseSeedsCounted(model, layer.id, restSeeds, part.length, mode, reference);
    part.forEach((b, i) => a.set(restA.subarray(i * inputSize, (i + 1) * inputSize), b * inputSize));
  }
  return reuse ?? { a };
}

/** reverseSeeds for a layer's own rows, counted (work-count.ts). */
function reverseSeedsCounted(model: PreparedModel, layerId: string, seeds: Float32Array, batch: number, mode: ReversalMode, reference?: ReadonlyMap<string, Tensor>): Float32Array {
  countWork(layerId, 'reversed', batch);
  return reverseSeeds(model, layerId, seeds, batch, mode, reference);
}

/**
 * a = Jᵀy* for `batch` seeds over a layer's output: walks the layer's ancestors backwards,
 * summing the gradients of tensors read by several nodes.
 *
 * With `perSeed`, every reference tensor holds `batch` images (runForwardBatchValues), seed s
 * linearised at image s (the batched ascent: each neuron at its own image). Linear nodes do
 * not read the reference; nonlinear ones read their seed's image (OpDef.reversePerSeed), or
 * are reversed seed by seed on views when their op cannot.
 */
export function reverseSeeds(
  model: PreparedModel,
  layerId: string,
  seeds: Float32Array,
  batch: number,
  mode: ReversalMode,
  reference?: ReadonlyMap<string, Tensor>,
  perSeed = false,
): Float32Array {
  const nodes = ancestorsOf(model, layerId);
  const grads = new Map<string, Float32Array>();
  grads.set(layerId, seeds);
  for (let n = nodes.length - 1; n >= 0; n--) {
    const v = nodes[n];
    const gradOutputs = v.node.outputs.map((o) => (o ? grads.get(o) : undefined));
    if (gradOutputs.every((g) => g === undefined)) continue;
    if (!v.op.reverse) throw new UnsupportedOpError(v.node.opType, v.node.name, 'it has no reversal');
    let gradInputs: (Float32Array | undefined)[];
    try {
      if (!perSeed || !reference) gradInputs = v.op.reverse(reverseContext(model, v, batch, mode, reference), gradOutputs);
      else if (!v.nonlinear) gradInputs = v.op.reverse(reverseContext(model, v, batch, mode), gradOutputs);
      else if (v.op.reversePerSeed) gradInputs = v.op.reverse({ ...reverseContext(model, v, batch, mode, reference), referencePerSeed: true }, gradOutputs);
      else gradInputs = reverseSeedBySeed(model, v, batch, mode, reference, gradOutputs);
    } catch (e) {
      if (e instanceof ModelError) throw e;
      throw new ModelError(`node "${v.node.name}" (${v.node.opType}): ${errorMessage(e)}`);
    }
    const consumed: Float32Array[] = [];
    for (const o of v.node.outputs) {
      const g = o === layerId ? undefined : grads.get(o);
      if (g) consumed.push(g);
      if (o !== layerId) grads.delete(o);
    }
    v.node.inputs.forEach((name, i) => {
      const g = gradInputs[i];
      if (!name || !g || model.constants.has(name)) return;
      const prev = grads.get(name);
      if (!prev) {
        grads.set(name, g);
      } else {
        const sum = zeroedFloats(prev.length);
        for (let j = 0; j < sum.length; j++) sum[j] = prev[j] + g[j];
        grads.set(name, sum);
        consumed.push(prev, g);
      }
    });
    recycleUnreferenced(consumed, grads, seeds);
  }
  return grads.get(model.inputName) ?? new Float32Array(batch * sizeOf(model.inputShape));
}

/** A nonlinear node's reversal for each seed at its own image (views of the batched reference and gradients). */
function reverseSeedBySeed(
  model: PreparedModel, v: VariableNode, batch: number, mode: ReversalMode, reference: ReadonlyMap<string, Tensor>,
  gradOutputs: readonly (Float32Array | undefined)[],
): (Float32Array | undefined)[] {
  const names = [...v.node.inputs, ...v.node.outputs].filter((name) => name && reference.has(name));
  const outSizes = v.outputShapes.map(sizeOf);
  const out: (Float32Array | undefined)[] = v.node.inputs.map(() => undefined);
  for (let s = 0; s < batch; s++) {
    const own = new Map<string, Tensor>();
    for (const name of names) {
      const t = reference.get(name)!;
      const size = sizeOf(t.shape);
      own.set(name, { ...t, data: t.data.subarray(s * size, (s + 1) * size) });
    }
    const g = v.op.reverse!(reverseContext(model, v, 1, mode, own), gradOutputs.map((gy, k) => gy?.subarray(s * outSizes[k], (s + 1) * outSizes[k])));
    g.forEach((gx, i) => {
      if (!gx) return;
      out[i] ??= new Float32Array(batch * gx.length);
      out[i].set(gx, s * gx.length);
    });
  }
  return out;
}

/** Recycles the arrays no gradient still refers to (an op may pass its input through, or a view of it); never the caller's seeds. */
function recycleUnreferenced(arrays: readonly Float32Array[], grads: ReadonlyMap<string, Float32Array>, seeds: Float32Array): void {
  for (const x of arrays) {
    if (x.buffer === seeds.buffer) continue;
    let live = false;
    for (const g of grads.values()) if (g.buffer === x.buffer) live = true;
    if (!live) recycleFloats(x);
  }
}

const referenceCache = new WeakMap<PreparedModel, { key: Float32Array | undefined; values: Map<string, Tensor> }>();

/** Forward values at the reference input (zero when none is given), cached for the last reference. */
export function referenceValues(model: PreparedModel, reference: Float32Array | undefined): Map<string, Tensor> {
  const cached = referenceCache.get(model);
  if (cached && cached.key === reference) return cached.values;
  const size = sizeOf(model.inputShape);
  if (reference && reference.length !== size) {
    throw new ModelError(`the reference input has ${reference.length} values; the model takes ${formatShape(model.inputFeatureShape)} (${size})`);
  }
  const values = reference ? runForward(model, reference) : zeroForward(model);
  referenceCache.set(model, { key: reference, values });
  return values;
}

export function exactRefusal(model: PreparedModel, nonlinear: readonly string[]): ModelError {
  const shown = nonlinear.slice(0, 8).join(', ') + (nonlinear.length > 8 ? ` and ${nonlinear.length - 8} more` : '');
  return new ModelError(
    `${model.graph.source.fileName}: the exact mode reverses linear networks only, and this one has nonlinear nodes (${shown}); ` +
      'use --mode surrogate (each nonlinearity replaced by its linear counterpart), local, deconvnet, guided or ascent',
  );
}
