import { inputGrid, type Grid } from './ascent-regularisers';
import { fourierImage, imageGradientsToSpectra, imageGradientToSpectrum, parameterCount, renderImage, renderImages, spectrumOf, type FourierImage } from './ascent-fourier';
import { defaultRanges, drawResampling, resample, resampleAdjoint, type Resampling, type TransformRanges } from './ascent-transforms';
import { ancestorsOf, runForward } from './forward';
import { runForwardBatch, runForwardBatchValues } from './forward-batch';
import { dotInBox, runForwardRegion, runForwardRegionValues, seedBox, type SpatialBox } from './forward-region';
import { isGate } from './gates';
import { ModelError } from './graph';
import type { LayerInfo, PreparedModel } from './prepare';
import { unionCrop } from './receptive-field';
import { mulberry32 } from './random';
import type { LayerResult } from './layer-result';
import { referenceValues, reverseLayer, reverseSeeds, type ReverseOptions } from './reverse';
import { ascentFamily, ascentHead, keepRow, sameRow, settingsKey, sharedSeeds, takeRow, type AscentFamily, type AscentMember, type SharedRow } from './ascent-family';
import { layerById, writeSeed, type Objective } from './seeds';
import { recycleFloats } from './kernels/scratch';
import { coneModel, foldedModel, type ConeModel } from './ascent-cone';
import { sizeOf, type Tensor } from './tensor';

/**
 * Readable gradient ascent (Olah et al. 2017, "Feature Visualization"): the image is a
 * 1/f-scaled, colour-decorrelated spectrum squashed into the model's value range
 * (ascent-fourier.ts); each step takes the gradient at a randomly jittered, scaled and
 * rotated copy (ascent-transforms.ts) and moves the spectrum with Adam. It starts from the
 * surrogate's x* as an image (mid-grey + x*), seen through the 1/f prior. x* is the
 * untransformed image that reached the highest activation on the true model among the
 * recorded steps (TRACE_POINTS over the run, and the start), and that activation is reported.
 * Unlike the sphere ascent, x* is no longer of norm r: it is an image inside the value range.
 */
export interface ReadableOptions {
  /** Adam steps (default 256). */
  readonly steps?: number;
  /** Seed of the transforms (default 0); the same seed gives the same images. */
  readonly seed?: number;
  /** Adam's step on the spectrum (default 0.05, Lucid's). */
  readonly learningRate?: number;
  /** The model's input value range (default: the one the model states, else [0, 1]). */
  readonly range?: readonly [number, number];
  /** Jitter, scale and rotation ranges (default: defaultRanges of the input); null: no transforms. */
  readonly transforms?: TransformRanges | null;
  /** Called after each step with the steps done and the steps in all. */
  readonly onStep?: (done: number, total: number) => void;
}

export const DEFAULT_READABLE_STEPS = 256;
/** The true model's activation is recorded in the traces this many times over the run (and at the end). */
const TRACE_POINTS = 16;
/** Floats of the batched forward pass that reports the true activations, per chunk. */
const MAX_FORWARD_VALUES = 1 << 22;
/** Memory of one batched ascent step, per worker: the forward values kept for the reversal and its gradients. */
const ASCENT_BUDGET_BYTES = 256 * 1024 * 1024;
/** Images rendered together when the traces are recorded. */
const RENDER_CHUNK = 64;
/** Gradient tensors of the largest size live at once during a reversal (as in reverse.ts). */
const LIVE_GRADIENTS = 4;
/** At most this much of surrogate gradients kept across a family's steps (keptSurrogate). */
const KEPT_SURROGATE_BYTES = 64 * 1024 * 1024;

export function ascendReadable(
  model: PreparedModel,
  layerId: string,
  neurons: readonly number[],
  options: ReverseOptions & { readable?: ReadableOptions; familyResults?: boolean },
): LayerResult & { traces: Float32Array[] } {
  const settings = options.readable ?? {};
  const steps = settings.steps ?? DEFAULT_READABLE_STEPS;
  const lr = settings.learningRate ?? 0.05;
  if (!Number.isInteger(steps) || steps < 0) throw new ModelError(`ascent: steps must be a whole number ≥ 0, got ${steps}`);
  if (!(lr > 0)) throw new ModelError(`ascent: learning rate must be positive, got ${lr}`);
  const range = settings.range ?? model.graph.inputRange ?? [0, 1];
  if (!(range[1] > range[0])) throw new ModelError(`ascent: the value range must have lo < hi, got [${range[0]}, ${range[1]}]`);
  const layer = layerById(model, layerId);
  const window = receptiveWindow(model, layer, options.objective, range);
  const grid = window?.crop ?? inputGrid(model);
  const ranges = settings.transforms === null ? undefined : (settings.transforms ?? (window ? cropRanges(grid) : defaultRanges(grid)));
  const run: Run = { model, options, image: fourierImage(grid, range), grid, window, ranges, steps, lr, seed: settings.seed ?? 0 };

  const start = reverseLayer(model, layerId, neurons, { ...options, mode: 'surrogate' });
  const family = ascentFamily(model, layer, options.objective);
  // Only a layer with siblings can find rows kept for it (the neuron objective: its key is small).
  const key = family.members.length > 1 || (options.objective.kind === 'neuron' && ascentHead(model, layer) !== null) ? settingsKey({ steps, lr, range, transforms: settings.transforms, seed: run.seed, radius: options.radius }, options.reference) : undefined;
  const rows: (SharedRow | undefined)[] = neurons.map((n) => (key === undefined ? undefined : takeRow(model, key, layerId, n)));
  const missing = neurons.filter((_, i) => !rows[i]);
  const siblings: LayerResult[] = [];
  if (missing.length > 0) {
    const shared = ascendFamily(run, family, missing, (step) => settings.onStep?.(step, steps));
    family.members.slice(1).forEach((m, k) => {
      // A pool hands the siblings' rows to their layers (familyResults); a lone caller keeps them for its later jobs.
      if (options.familyResults) siblings.push(...siblingResult(model, m.layer.id, missing, shared[k + 1], options));
      else shared[k + 1].forEach((row, i) => row && keepRow(model, key!, m.layer.id, missing[i], row));
    });
    // The job's own layer shares every neuron with itself.
    missing.forEach((_, i) => (rows[neurons.indexOf(missing[i])] = shared[0][i]!));
  }
  settings.onStep?.(steps, steps);
  return { ...withRows(model, start, rows as SharedRow[]), ...(options.familyResults ? { family: siblings } : {}) };
}

/** A sibling's result for the neurons it shares with the job's layer (none: no result). */
function siblingResult(model: PreparedModel, layerId: string, neurons: readonly number[], rows: readonly (SharedRow | null)[], options: ReverseOptions): LayerResult[] {
  const shared = neurons.filter((_, i) => rows[i]);
  if (shared.length === 0) return [];
  const start = reverseLayer(model, layerId, shared, { ...options, mode: 'surrogate' });
  return [withRows(model, start, rows.filter((r): r is SharedRow => !!r))];
}

/** The surrogate's result (the start) with the ascent's rows in place of its x*, activations and traces. */
function withRows(model: PreparedModel, start: LayerResult, rows: readonly SharedRow[]): LayerResult & { traces: Float32Array[] } {
  const inputSize = sizeOf(model.inputFeatureShape);
  const xstar = new Float32Array(rows.length * inputSize);
  const norms = new Float32Array(rows.length);
  const activations = new Float32Array(rows.length);
  rows.forEach((row, i) => {
    xstar.set(row.xstar, i * inputSize);
    activations[i] = row.activation;
    let sq = 0;
    for (const v of row.xstar) sq += v * v;
    norms[i] = Math.sqrt(sq);
  });
  return { ...start, xstar, norms, activations, traces: rows.map((row) => row.trace) };
}

/** What every ascent of a layer's job runs with. */
interface Run {
  readonly model: PreparedModel;
  readonly options: ReverseOptions;
  readonly image: FourierImage;
  readonly grid: Grid;
  readonly window: Window | undefined;
  readonly ranges: TransformRanges | undefined;
  readonly steps: number;
  readonly lr: number;
  readonly seed: number;
}

/**
 * The ascent of `neurons` on the family's tensor (ascent-family.ts), started from the
 * surrogate's x* there, with each member's activation on the true model recorded at the same
 * images: per member, per neuron, its best recorded image, or null where the member does not
 * share the neuron (its seed is another).
 */
function ascendFamily(run: Run, family: AscentFamily, neurons: readonly number[], onStep: (step: number) => void): (SharedRow | null)[][] {
  const { model, options, image, window, steps } = run;
  const count = neurons.length;
  const inputSize = sizeOf(model.inputFeatureShape);
  const members = family.members.map((m) => {
    const outSize = sizeOf(m.layer.featureShape);
    const seeds = new Float32Array(count * outSize);
    neurons.forEach((neuron, row) => writeSeed(m.layer, neuron, options.objective, seeds, row * outSize));
    return { ...m, readoutSeeds: sharedSeeds(model, m.readoutTransposes, seeds, count), shared: sharedSeeds(model, m.transposes, seeds, count) };
  });
  const seeds = members[0].shared;
  const outSize = seeds.length / Math.max(count, 1);
  const chunk = imagesPerPass(model, family.tensor);
  const gates = gatesOf(model, members, count);

  const params: Float64Array[] = [];
  const surrogate = keptSurrogate(model, family.tensor, count * inputSize);
  for (let from = 0; from < count; from += chunk) {
    const rows = Math.min(chunk, count - from);
    const a = reverseSeeds(model, family.tensor, seeds.subarray(from * outSize, (from + rows) * outSize), rows, 'surrogate', referenceValues(model, options.reference));
    surrogate?.set(a.subarray(0, rows * inputSize), from * inputSize);
    for (let b = 0; b < rows; b++) params.push(warmStart(image, a.subarray(b * inputSize, (b + 1) * inputSize), options.radius, window));
  }
  const adam = neurons.map(() => ({ m: new Float64Array(parameterCount(image)), v: new Float64Array(parameterCount(image)) }));
  const rngs = neurons.map((n) => mulberry32((run.seed * 0x9e3779b1 + n) | 0));
  // The best image seen on the true model at the recorded steps, per member: the ascent runs on
  // transformed copies, so the untransformed image's activation need not rise at every step.
  const best = members.map(() => ({ xstar: new Float32Array(count * inputSize), activations: new Float32Array(count).fill(-Infinity), traces: neurons.map((): number[] => []) }));
  const record = (): void => {
    const xs = rendered(image, params, inputSize, window);
    trueActivations(model, members.map((m) => m.readout), xs, members.map((m) => m.readoutSeeds), count).forEach((acts, k) => {
      const b = best[k];
      acts.forEach((a, row) => {
        b.traces[row].push(a);
        if (!(a > b.activations[row])) return;
        b.activations[row] = a;
        b.xstar.set(xs.subarray(row * inputSize, (row + 1) * inputSize), row * inputSize);
      });
    });
  };
  record();
  const every = Math.max(1, Math.ceil(steps / TRACE_POINTS));
  const boxes = new Map<number, SpatialBox | null>();
  for (let step = 1; step <= steps; step++) {
    for (let from = 0; from < count; from += chunk) {
      const rows = Math.min(chunk, count - from);
      const transforms = rngs.slice(from, from + rows).map((rng) => (run.ranges ? drawResampling(run.grid, run.ranges, rng) : undefined));
      const gate = gates && { through: gates.through, tensors: gates.tensors, read: (values: ReadonlyMap<string, Tensor>, index?: (i: number) => number) => gates.read(values, from, rows, index) };
      const rowSeeds = seeds.subarray(from * outSize, (from + rows) * outSize);
      if (!boxes.has(from)) boxes.set(from, seedBox(featureShapeOf(model, family.tensor), rowSeeds, rows));
      const gradients = spectrumGradients(model, family.tensor, image, params.slice(from, from + rows), rowSeeds, transforms, window, gate, surrogate?.subarray(from * inputSize, (from + rows) * inputSize), boxes.get(from));
      gradients.forEach((gp, b) => adamStep(params[from + b], gp, adam[from + b], step, run.lr));
    }
    onStep(step);
    if (step % every === 0 && step < steps) record();
  }
  if (steps > 0) record();
  return members.map((m, k) =>
    neurons.map((_, row) => {
      const b = best[k];
      if (k > 0 && !sameRow(m.shared, seeds, row, outSize)) return null;
      if (m.gates.length > 0 && !gates?.open[k][row]) return null;
      return { xstar: b.xstar.slice(row * inputSize, (row + 1) * inputSize), activation: b.activations[row], trace: Float32Array.from(b.traces[row]) };
    }),
  );
}

/**
 * Room for every neuron's surrogate gradient when it is the same at every image: with no gate
 * behind the tensor the surrogate is one linear map (ReLU → identity, max-pool → average), so
 * the warm start's reversal is also the fallback of each step where a row's paths are all
 * switched off (spectrumGradients), and those steps need no second reversal.
 */
function keptSurrogate(model: PreparedModel, tensor: string, size: number): Float32Array | undefined {
  if (size * 4 > KEPT_SURROGATE_BYTES || ancestorsOf(model, tensor).some(isGate)) return undefined;
  return new Float32Array(size);
}

/**
 * The gates of a family's members behind ReLUs (ascent-family.ts): whether each input of
 * their ReLUs stayed above zero at each neuron at every step's image. The step's forward pass
 * runs through the deepest gate; a gate it does not reach, or a seed that is not one
 * element, counts as closed.
 */
interface Gates {
  readonly through: string;
  readonly tensors: readonly string[];
  /** Per member, per neuron: 1 while every gate was open. */
  readonly open: Uint8Array[];
  /** A step's values for the images of neurons from … from + rows. */
  read(values: ReadonlyMap<string, Tensor>, from: number, rows: number, index?: (i: number) => number): void;
}

function gatesOf(model: PreparedModel, members: readonly (AscentMember & { readoutSeeds: Float32Array })[], count: number): Gates | undefined {
  const tensors = [...new Set(members.flatMap((m) => m.gates))];
  if (tensors.length === 0 || count === 0) return undefined;
  const through = tensors.reduce((a, b) => (ancestorsOf(model, b).length > ancestorsOf(model, a).length ? b : a));
  const open = members.map((m) => new Uint8Array(count).fill(m.gates.length > 0 ? 1 : 0));
  // The element each neuron's seed reads (the gates have the readout's shape), or -1.
  const at = members.map((m) => {
    const size = m.readoutSeeds.length / count;
    return Int32Array.from({ length: count }, (_, row) => {
      let found = -1;
      for (let i = 0; i < size; i++) {
        if (m.readoutSeeds[row * size + i] === 0) continue;
        if (found >= 0) return -1;
        found = i;
      }
      return found;
    });
  });
  return {
    through,
    tensors,
    open,
    read(values, from, rows, index) {
      members.forEach((m, k) => {
        for (const gate of m.gates) {
          const data = values.get(gate)?.data;
          const size = data ? data.length / rows : 0;
          for (let b = 0; b < rows; b++) {
            const whole = at[k][from + b];
            const i = index && whole >= 0 ? index(whole) : whole;
            if (!data || i < 0 || i >= size || !(data[b * size + i] > 0)) open[k][from + b] = 0;
          }
        }
      });
    },
  };
}

/**
 * Images of one batched step (issue 18): every image behind the layer is kept for the
 * reversal, plus a few gradient tensors, within ASCENT_BUDGET_BYTES.
 */
function imagesPerPass(model: PreparedModel, layerId: string): number {
  let kept = sizeOf(model.inputShape);
  let largest = kept;
  for (const v of ancestorsOf(model, layerId)) {
    for (const s of v.outputShapes) {
      kept += sizeOf(s);
      largest = Math.max(largest, sizeOf(s));
    }
  }
  return Math.max(1, Math.floor(ASCENT_BUDGET_BYTES / (4 * (kept + LIVE_GRADIENTS * largest))));
}

/** The images of the spectra on the whole input (pasted into mid-grey when the ascent runs on a crop). */
function rendered(image: FourierImage, params: readonly Float64Array[], inputSize: number, window: Window | undefined): Float32Array {
  const xs = new Float32Array(params.length * inputSize);
  // In chunks, so the batched transform's buffers stay small whatever the number of neurons.
  for (let from = 0; from < params.length; from += RENDER_CHUNK) {
    const crops = renderImages(image, params.slice(from, from + RENDER_CHUNK)).xs;
    xs.set(window ? window.paste(crops) : crops, from * inputSize);
  }
  return xs;
}

/**
 * The box of the input that a neuron's receptive field covers (receptive-field.ts), when it is
 * smaller than the input: the ascent then parameterises and transforms only that box, so the
 * 1/f prior and the transforms are on the neuron's own scale (a 5-pixel field is not drawn
 * with the frequencies and jitter of a 32-pixel image). The rest of the input stays mid-grey;
 * nothing there changes the neuron.
 */
interface Window {
  readonly crop: Grid;
  readonly cropSize: number;
  /** Crops (one after another) → whole inputs, mid-grey outside the box. */
  paste(crops: Float32Array): Float32Array;
  /** A whole input (or a gradient on it) → its box. */
  extract(x: ArrayLike<number>): Float32Array;
}

function receptiveWindow(model: PreparedModel, layer: LayerInfo, objective: Objective, range: readonly [number, number]): Window | undefined {
  if (objective.kind !== 'neuron') return undefined;
  const box = unionCrop(layer.crops, 'neuron');
  if (!box) return undefined;
  const full = inputGrid(model);
  const [y0, x0, h, w] = box;
  if (full.height === 1 || (h === full.height && w === full.width)) return undefined;
  const channelsLast = full.channelStride === 1;
  const cs = full.channels;
  const crop: Grid = channelsLast
    ? { channels: cs, height: h, width: w, channelStride: 1, rowStride: w * cs, colStride: cs, spatial: [h, w] }
    : { channels: cs, height: h, width: w, channelStride: h * w, rowStride: w, colStride: 1, spatial: [h, w] };
  const cropSize = cs * h * w;
  const fullSize = sizeOf(model.inputFeatureShape);
  const mid = (range[0] + range[1]) / 2;
  const each = (visit: (fullIndex: number, cropIndex: number) => void): void => {
    for (let c = 0; c < cs; c++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) visit(c * full.channelStride + (y0 + y) * full.rowStride + (x0 + x) * full.colStride, c * crop.channelStride + y * crop.rowStride + x * crop.colStride);
      }
    }
  };
  return {
    crop,
    cropSize,
    paste(crops) {
      const images = crops.length / cropSize;
      const out = new Float32Array(images * fullSize).fill(mid);
      for (let b = 0; b < images; b++) each((f, k) => (out[b * fullSize + f] = crops[b * cropSize + k]));
      return out;
    },
    extract(x) {
      const out = new Float32Array(cropSize);
      each((f, k) => (out[k] = x[f]));
      return out;
    },
  };
}

/** Transforms on the scale of a crop: Lucid's 224-pixel ranges shrunk in proportion, jitter down to none. */
function cropRanges(g: Grid): TransformRanges {
  return { ...defaultRanges(g), jitter: Math.round(Math.max(g.height, g.width) / 28) };
}

/**
 * The surrogate's x* (its reversal a scaled to the radius) as an image of the data range,
 * mid-grey + x* (the radius is a quarter of the range per value by default), as a spectrum
 * seen through the 1/f prior; a dead neuron (a = 0) starts from mid-grey.
 */
function warmStart(image: FourierImage, a: Float32Array, radius: number, window: Window | undefined): Float64Array {
  let sq = 0;
  for (const v of a) sq += v * v;
  const norm = Math.sqrt(sq);
  if (!(norm > 0) || !Number.isFinite(norm)) return new Float64Array(parameterCount(image));
  const scale = radius / norm;
  const xstar = Float32Array.from(a, (v) => v * scale);
  const mid = (image.lo + image.hi) / 2;
  return spectrumOf(image, Float64Array.from(window ? window.extract(xstar) : xstar, (v) => mid + v));
}

/**
 * ∂(activation at the transformed image)/∂spectrum: the true model's gradient (the local
 * reversal) sent back through the transform and the parameterisation.
 */
export function spectrumGradient(
  model: PreparedModel,
  layerId: string,
  image: FourierImage,
  p: Float64Array,
  seed: Float32Array,
  transform: ReturnType<typeof drawResampling> | undefined,
): Float64Array {
  const { x, slope } = renderImage(image, p);
  const seen = transform ? resample(image.grid, transform, x) : x;
  const values = runForward(model, seen, [layerId]);
  let g = reverseSeeds(model, layerId, seed, 1, 'local', values);
  // Every path is switched off (a ReLU below zero everywhere): the surrogate's gradient, with
  // ReLUs as identities, says which way turns the neuron back on.
  if (g.every((v) => v === 0)) g = reverseSeeds(model, layerId, seed, 1, 'surrogate', values);
  return imageGradientToSpectrum(image, transform ? resampleAdjoint(image.grid, transform, g) : g, slope);
}

/** A step's view of the family's gates: reads the values of its images (`index`: the element of a cone tensor, ascent-cone.ts). */
interface StepGate {
  readonly through: string;
  /** The tensors it reads. */
  readonly tensors: readonly string[];
  read(values: ReadonlyMap<string, Tensor>, index?: (i: number) => number): void;
}

/**
 * spectrumGradient for a batch of images at once: one batched forward pass of the transformed
 * images, one batched local reversal with each seed at its own image (reverseSeeds, perSeed),
 * the surrogate's gradient for the rows whose every path is switched off (taken from
 * `surrogate`, rows × input size, when the caller holds it: keptSurrogate). Row b equals
 * spectrumGradient(…, params[b], seed b, transforms[b]).
 */
export function spectrumGradients(
  model: PreparedModel,
  layerId: string,
  image: FourierImage,
  params: readonly Float64Array[],
  seeds: Float32Array,
  transforms: readonly (Resampling | undefined)[],
  window?: Window,
  gate?: StepGate,
  surrogate?: Float32Array,
  // The seeds read one box of the tensor (its centre for the neuron objective): only that box's cone is computed.
  // The caller that steps the same seeds many times passes it in: the scan is of every seed's whole map.
  box: SpatialBox | null = seedBox(featureShapeOf(model, layerId), seeds, params.length),
): Float64Array[] {
  const rows = params.length;
  const inputSize = sizeOf(model.inputShape);
  const imageSize = parameterCount(image) / 2;
  const { xs, slopes } = renderImages(image, params);
  const moved = new Float32Array(rows * imageSize);
  transforms.forEach((t, b) => {
    const x = xs.subarray(b * imageSize, (b + 1) * imageSize);
    moved.set(t ? resample(image.grid, t, x) : x, b * imageSize);
  });
  const seen = window ? window.paste(moved) : moved;
  // Through the family's gates when it has some (they are elementwise after layerId: the same box).
  const target = gate && sameShape(featureShapeOf(model, gate.through), featureShapeOf(model, layerId)) ? gate.through : layerId;
  const keep = [layerId, ...(gate?.tensors ?? [])];
  const cone = box && coneModel(model, target, box, keep);
  const g = cone ? coneGradients(cone, seen, seeds, rows, layerId, target, gate, surrogate) : wholeGradients(foldedModel(model, target, keep).model, seen, seeds, rows, layerId, target, box, gate, surrogate);
  const back = transforms.map((t, b) => {
    const whole = g.subarray(b * inputSize, (b + 1) * inputSize);
    const gb = window ? window.extract(whole) : whole;
    return t ? resampleAdjoint(image.grid, t, gb) : gb;
  });
  return imageGradientsToSpectra(image, back, slopes);
}

/** The local gradients of a step's images on the input, the forward pass and the reversal on the cone model (ascent-cone.ts). */
function coneGradients(cone: ConeModel, seen: Float32Array, seeds: Float32Array, rows: number, layerId: string, target: string, gate: StepGate | undefined, surrogate: Float32Array | undefined): Float32Array {
  const input = cone.cropInputs(seen, rows);
  const values = runForwardBatchValues(cone.model, input, rows, target);
  gate?.read(values, cone.index);
  const cropped = cone.cropSeeds(seeds, rows);
  const local = reverseSeeds(cone.model, layerId, cropped, rows, 'local', values, true);
  const off = offRows(local, rows);
  if (off.length > 0 && !surrogate) surrogateRows(cone.model, layerId, cropped, rows, values, off, local);
  recycleValues(cone.model, values, input);
  const g = cone.pasteInputs(local, rows);
  recycleFloats(local);
  if (surrogate) keptRows(g, surrogate, off, rows);
  return g;
}

/** coneGradients on the whole model, the forward pass cropped to the cone where forward-region.ts can. */
function wholeGradients(model: PreparedModel, seen: Float32Array, seeds: Float32Array, rows: number, layerId: string, target: string, box: SpatialBox | null, gate: StepGate | undefined, surrogate: Float32Array | undefined): Float32Array {
  const values = (box && runForwardRegionValues(model, seen, rows, target, box)) || runForwardBatchValues(model, seen, rows, target);
  gate?.read(values);
  const g = reverseSeeds(model, layerId, seeds, rows, 'local', values, true);
  const off = offRows(g, rows);
  if (surrogate) keptRows(g, surrogate, off, rows);
  else if (off.length > 0) surrogateRows(model, layerId, seeds, rows, values, off, g);
  recycleValues(model, values, seen);
  return g;
}

/** The rows of `g` (rows × size) whose every path was switched off (all zero). */
function offRows(g: Float32Array, rows: number): number[] {
  const size = g.length / rows;
  const off: number[] = [];
  for (let b = 0; b < rows; b++) if (allZero(g, b * size, size)) off.push(b);
  return off;
}

/** The kept surrogate gradients (keptSurrogate) in place of the rows `off` of g. */
function keptRows(g: Float32Array, surrogate: Float32Array, off: readonly number[], rows: number): void {
  const size = g.length / rows;
  for (const b of off) g.set(surrogate.subarray(b * size, (b + 1) * size), b * size);
}

/** The surrogate's reversal at their own images in place of the rows `off` of g. */
function surrogateRows(model: PreparedModel, layerId: string, seeds: Float32Array, rows: number, values: ReadonlyMap<string, Tensor>, off: readonly number[], g: Float32Array): void {
  const outSize = seeds.length / rows;
  const size = g.length / rows;
  const offSeeds = new Float32Array(off.length * outSize);
  off.forEach((b, i) => offSeeds.set(seeds.subarray(b * outSize, (b + 1) * outSize), i * outSize));
  const offG = reverseSeeds(model, layerId, offSeeds, off.length, 'surrogate', selectImages(values, off, rows), true);
  off.forEach((b, i) => g.set(offG.subarray(i * size, (i + 1) * size), b * size));
}

/**
 * Hands a step's forward values back for reuse (kernels/scratch.ts): every step makes the
 * same sizes again, and fresh large arrays each step cost a tenth of the ascent in garbage
 * collection. Each buffer once (a Reshape's output is a view of its input), never the
 * caller's input nor a model constant's.
 */
function recycleValues(model: PreparedModel, values: ReadonlyMap<string, Tensor>, input: Float32Array): void {
  const done = new Set<ArrayBufferLike>([input.buffer, ...constantBuffers(model)]);
  for (const t of values.values()) {
    if (!(t.data instanceof Float32Array) || done.has(t.data.buffer)) continue;
    done.add(t.data.buffer);
    recycleFloats(t.data);
  }
}

const constantBufferCache = new WeakMap<PreparedModel, ArrayBufferLike[]>();

function constantBuffers(model: PreparedModel): ArrayBufferLike[] {
  let buffers = constantBufferCache.get(model);
  if (!buffers) constantBufferCache.set(model, (buffers = [...model.constants.values()].map((t) => t.data.buffer)));
  return buffers;
}

/** A tensor's shape without the batch dimension. */
function featureShapeOf(model: PreparedModel, tensor: string): readonly number[] {
  const v = model.producer.get(tensor);
  const shape = v ? v.outputShapes[v.node.outputs.indexOf(tensor)] : model.inputShape;
  return shape.slice(1);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function allZero(a: Float32Array, from: number, n: number): boolean {
  for (let i = from; i < from + n; i++) if (a[i] !== 0) return false;
  return true;
}

/** The images `rows` of batched forward values (each tensor holds `batch` images). */
function selectImages(values: ReadonlyMap<string, Tensor>, rows: readonly number[], batch: number): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [name, t] of values) {
    const size = t.data.length / batch;
    const data = t.data instanceof Float32Array ? new Float32Array(rows.length * size) : new Float64Array(rows.length * size);
    rows.forEach((b, i) => data.set(t.data.subarray(b * size, (b + 1) * size), i * size));
    out.set(name, { ...t, data });
  }
  return out;
}

/** One Adam step up the gradient (Kingma & Ba, β1 0.9, β2 0.999). */
function adamStep(p: Float64Array, g: Float64Array, state: { m: Float64Array; v: Float64Array }, t: number, lr: number): void {
  const b1 = 0.9;
  const b2 = 0.999;
  const c1 = 1 - b1 ** t;
  const c2 = 1 - b2 ** t;
  for (let i = 0; i < p.length; i++) {
    state.m[i] = b1 * state.m[i] + (1 - b1) * g[i];
    state.v[i] = b2 * state.v[i] + (1 - b2) * g[i] * g[i];
    p[i] += (lr * (state.m[i] / c1)) / (Math.sqrt(state.v[i] / c2) + 1e-8);
  }
}

/**
 * seed·tensor(x) on the true model for every row and every tensor of `tensors` (along one
 * chain, the forward pass to the deepest holds the others), in batched forward passes on
 * the cone of the seeds' box where the model allows it (forward-region.ts): a whole-map pass
 * per record cost a shallow layer as much as some sixty of its cone-cropped steps.
 */
function trueActivations(model: PreparedModel, tensors: readonly string[], xs: Float32Array, seeds: readonly Float32Array[], count: number): Float32Array[] {
  const inputSize = sizeOf(model.inputShape);
  const deepest = tensors.reduce((a, b) => (ancestorsOf(model, b).length > ancestorsOf(model, a).length ? b : a));
  const box = seedsBox(model, tensors, seeds, count, deepest);
  let held = inputSize;
  if (tensors.length > 1) for (const v of ancestorsOf(model, deepest)) for (const s of v.outputShapes) held += sizeOf(s);
  else for (const v of model.nodes) for (const s of v.outputShapes) held = Math.max(held, sizeOf(s));
  const chunk = Math.max(1, Math.floor(MAX_FORWARD_VALUES / held));
  const out = tensors.map(() => new Float32Array(count));
  for (let from = 0; from < count; from += chunk) {
    const n = Math.min(chunk, count - from);
    const batch = xs.subarray(from * inputSize, (from + n) * inputSize);
    if (tensors.length === 1 && box) {
      const y = runForwardRegion(model, batch, n, tensors[0], box);
      if (y) {
        for (let b = 0; b < n; b++) out[0][from + b] = dotInBox(featureShapeOf(model, tensors[0]), seeds[0], from + b, y, b, box);
        continue;
      }
    }
    const values = tensors.length > 1 ? (box && runForwardRegionValues(model, batch, n, deepest, box)) || runForwardBatchValues(model, batch, n, deepest) : undefined;
    tensors.forEach((tensor, k) => {
      const y = values?.get(tensor)?.data ?? runForwardBatch(model, batch, n, tensor);
      const outSize = seeds[k].length / Math.max(count, 1);
      for (let b = 0; b < n; b++) {
        let a = 0;
        for (let i = 0; i < outSize; i++) a += seeds[k][(from + b) * outSize + i] * y[b * outSize + i];
        out[k][from + b] = a;
      }
      if (!values && y instanceof Float32Array && y.buffer !== batch.buffer) recycleFloats(y);
    });
    if (values) recycleValues(model, values, batch);
  }
  return out;
}

/** The box of the deepest tensor holding every seed of every tensor (all of its shape), or null. */
function seedsBox(model: PreparedModel, tensors: readonly string[], seeds: readonly Float32Array[], count: number, deepest: string): SpatialBox | null {
  const shape = featureShapeOf(model, deepest);
  let box: SpatialBox | null = null;
  for (let k = 0; k < tensors.length; k++) {
    const b = sameShape(featureShapeOf(model, tensors[k]), shape) ? seedBox(shape, seeds[k], count) : null;
    if (!b) return null;
    box = box ? { h0: Math.min(box.h0, b.h0), h1: Math.max(box.h1, b.h1), w0: Math.min(box.w0, b.w0), w1: Math.max(box.w1, b.w1) } : b;
  }
  return box;
}
