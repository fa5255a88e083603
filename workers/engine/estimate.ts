import { ascentHead, positiveScales } from './ascent-family';
import { ancestorsOf } from './forward';
import type { LayerInfo, PreparedModel, VariableNode } from './prepare';
import { coneValues } from './receptive-field';
import { sizeOf } from './tensor';
import { fixedBytes, formatBytes, workerBudget, workingShare } from './budget';
import type { WorkPlan } from './work-count';

/**
 * What a gallery will cost, told before any work starts (issues 16, 18): neurons, time and memory.
 *
 * Time: each neuron takes one of the engine's paths, and the estimate follows the engine's own
 * rules to choose it (LayerWork, from the graph; planWork, from the run). Each path is one term,
 * in flops at one worker's measured rate:
 * - reversal: a backward pass over the neuron's cone (its receptive field, as the optimised
 *   engine crops it), each node 2 × fan-in flops per value, plus VALUE_FLOPS per value touched
 *   (element-wise and depthwise nodes are bound by memory and dispatch, not arithmetic);
 * - reuse (engine/reuse.ts): a layer working element by element on layers of the same run
 *   (BatchNormalization, Clip, Add) combines their reversals: its node reversed on its map and
 *   a GEMM over one row per source;
 * - dense reuse (LayerInfo.reusesAll): a Gemm/MatMul or 1×1 convolution over every neuron of
 *   its source, in the modes linear in the seed, when the run has all of them: one GEMM row per
 *   source neuron;
 * - check: the forward pass to the activation reached (not in exact mode, nor where the
 *   activation follows from a single source's);
 * - ascent: its steps, each a share of the whole-map reversal plus a fixed cost; layers sharing
 *   one ascent (ascent-family.ts) count it once.
 * A change that makes one kind of work faster changes one rate or one term (see planWork).
 */

/**
 * One worker's measured rates (CPU time on one thread, fitted layer by layer to full galleries of
 * MobileNetV2 3×64×64 linear exact and ReLU6 surrogate and guided, Coral's MobileNet v1 and the
 * ResNet-8: bench/RESULTS-notes.md, "The estimate"). Flops per second of reversals and forward
 * passes (WebAssembly SIMD GEMM on convolutions).
 */
const FLOPS_PER_WORKER = 7.7e9;
/** Flops counted per value a node writes, on top of its arithmetic (copies, dispatch, memory traffic). */
const VALUE_FLOPS = 12;
/** Flops per second of the reuse GEMM (source rows into a layer's rows, with their copies in and out of WebAssembly). */
const REUSE_FLOPS_PER_WORKER = 14e9;
/** Fixed costs: each neuron's seed, norm and row; each layer's jobs, forward pass at the reference and set-up. */
const NEURON_SECONDS = 1e-4;
const LAYER_SECONDS = 0.06;
/** Two workers do not go twice as fast (shared caches and memory bandwidth, the pool's ordering): measured 1.4–1.6× (issue 9). */
const SECOND_WORKER_SHARE = 0.5;
/**
 * The ascent's step on a LayerWork: a cone forward pass and a reversal (a share of reverse +
 * check at FLOPS_PER_WORKER) and a fixed cost, per style, fitted on the ResNet-8 (readable, 256
 * steps, 4 neurons a layer: 0.19 ms per cone MFLOP + 2.1 ms; sphere, 8 a layer: 0.078 ms + 7.3 ms),
 * and the sphere's start (the surrogate's reversal and the first checks).
 */
const ASCENT_STEP = {
  readable: { share: 1.5, seconds: 2.1e-3, start: 0 },
  sphere: { share: 0.6, seconds: 7.3e-3, start: 0.03 },
} as const;
/**
 * The same on whole-map flops (flopsPerNeuron): a layer without a LayerWork (the pool's job time
 * limits) and the ascent's steps, calibrated before the engine cropped and reused (issues 16, 17).
 */
const WHOLE_MAP_FLOPS_PER_WORKER = 1.5e9;
/** A step's flops as a share of one reversal and check (flopsPerNeuron). */
const ASCENT_STEP_SHARE = 0.4;
/** A step's fixed cost, in flops at WHOLE_MAP_FLOPS_PER_WORKER (about 1 ms per neuron and step). */
const ASCENT_STEP_OVERHEAD_FLOPS = 1.5e6;
/**
 * The sphere's steps, as a share of its step limit, on layers behind a nonlinearity: each neuron
 * stops when a step no longer improves it. With 200 steps, ResNet-8 neurons took 0–20 in the first
 * blocks and 50–200 in the last, 26% of the limit over all its layers; the fixture's 27%.
 * Layers with no nonlinearity before them stop at step 0.
 */
const SPHERE_STEP_SHARE = 0.25;

/** Past these, the CLI refuses and the app asks (DESIGN.md §4: ~10 minutes of work, 25% of free memory). */
export const DEFAULT_TIME_BUDGET_SECONDS = 600;
const MEMORY_BUDGET_FRACTION = 0.25;

/**
 * The default memory budget: a quarter of the memory free, at most 2 GB. The cap keeps a file
 * that declares a huge tensor (a 200-byte ONNX whose folded constant takes 4 GB) from passing
 * on a machine with much memory free: a real gallery fits it (a 224×224 MobileNetV2: 1.4 GB).
 */
const MEMORY_BUDGET_CAP_BYTES = 2 * 1024 ** 3;

export function defaultMemoryBudget(freeBytes: number): number {
  return Math.min(MEMORY_BUDGET_FRACTION * freeBytes, MEMORY_BUDGET_CAP_BYTES);
}

/** No single result array may hold more than this many bytes (typed arrays stop near 2^31–2^33). */
const MAX_RESULT_BYTES = 2 ** 31;

export interface LayerEstimate {
  readonly id: string;
  /** Neurons this gallery computes in the layer (a preview's first N, or all). */
  readonly neurons: number;
  readonly seconds: number;
  /** Bytes of its x* rows (float32, one input per neuron). */
  readonly bytes: number;
  /** The rows of each kind of work the estimate counts on (planWork); absent without a LayerWork. */
  readonly plan?: WorkPlan;
}

export interface GalleryEstimate {
  readonly layers: readonly LayerEstimate[];
  readonly neurons: number;
  /** Wall-clock seconds on `workers` workers. */
  readonly seconds: number;
  /**
   * Bytes held while the gallery is computed and written. Not streamed: x* rows, twice (pool
   * results and the arrays made from them). Streamed (the CLI, with RunMemory): the process's
   * peak, workers' batches included (streamedPeak).
   */
  readonly bytes: number;
  /** Streamed: the part that does not shrink with the budget (the process, the forward values, the rows a dense layer reuses); checkBudget compares it. */
  readonly heldBytes?: number;
  /** Streamed: the part of heldBytes that no choice of layers or neurons lowers (the process, weights, each worker's forward values). */
  readonly fixedBytes?: number;
}

/** What the CLI's process holds besides the rows it streams to disk (EstimateOptions.memory). */
export interface RunMemory {
  /** Bytes of every tensor of one forward pass: each worker keeps them at the reference. */
  readonly forwardBytes: number;
  /** Bytes of the model's largest tensor: a batch of seeds holds a few per seed. */
  readonly maxTensorBytes: number;
  readonly weightBytes: number;
  /** Workers that hold the weights once between them (SharedArrayBuffer). */
  readonly sharedWeights: boolean;
  /** The memory budget the workers' batches are sized from (engine/budget.ts). */
  readonly budgetBytes: number;
}

/** What the estimate needs of a layer (the app has it from the model summary, without the graph). */
export interface LayerCost {
  readonly id: string;
  /** Neurons under the objective ('direction': 1). */
  readonly neurons: number;
  readonly flopsPerNeuron: number;
  /** A nonlinearity lies before the layer (layerAscends): else the sphere's ascent stops where it starts. Unknown: assumed. */
  readonly ascends?: boolean;
  /** The work of each of the engine's paths (layerWork); absent: every neuron a whole-map reversal and check (flopsPerNeuron). */
  readonly work?: LayerWork;
}

/**
 * What one neuron of a layer costs on each of the engine's paths, from the graph alone (the
 * model summary carries it to the app). Flops as counted by nodeCost.
 */
export interface LayerWork {
  /** A reversal cropped to the neuron's cone. */
  readonly reverse: number;
  /** The forward pass to the activation reached: the cone, or whole maps where the cone covers most of them (forward-region.ts). */
  readonly check: number;
  /** Values of the layer's output and of one x*: the reuse paths touch them once per neuron. */
  readonly outputValues: number;
  readonly inputValues: number;
  /** Element-wise reuse (LayerInfo.reuses): the layers combined at the same neuron. */
  readonly reuses?: readonly string[];
  /** Its node is one-to-one on one source with a positive factor: the activation follows from the source's, and deconvnet and guided may reuse it. */
  readonly oneSource?: boolean;
  /** Dense reuse (LayerInfo.reusesAll): the source, and its neurons (the GEMM's rows per neuron). */
  readonly reusesAll?: { readonly source: string; readonly neurons: number };
  /** LayerInfo.homogeneousIn: the modes that reuse only one source with a positive factor here. */
  readonly homogeneousIn?: readonly string[];
  /** Ascent: the layer of the same run whose ascent this one shares (ascent-family.ts), the family's first member. */
  readonly ascentOf?: string;
}

export interface EstimateOptions {
  /** A preview: only the first N neurons of each layer. */
  readonly neuronLimit?: number;
  readonly workers: number;
  /** Ascent: steps per neuron (each a forward and a backward pass). */
  readonly ascentSteps?: number;
  /** Ascent: 'sphere' (default) stops early, 'readable' takes every step. */
  readonly ascentStyle?: 'sphere' | 'readable';
  /** Each layer is written out and dropped as soon as it is complete (the CLI): only the largest is held. */
  readonly streamed?: boolean;
  /** The mode (resolved): which paths apply. Absent: every neuron reversed and checked. */
  readonly mode?: string;
  /** On a worker pool, a dense layer reuses its source only when the source's rows take at most this (pool.ts DENSE_SOURCE_BYTES); absent: always (one thread). */
  readonly denseSourceBytes?: number;
  /** Streamed: what the process holds besides the rows (streamedPeak). */
  readonly memory?: RunMemory;
}

/** Floating-point operations of one node's forward pass (its backward costs about the same). */
function nodeFlops(v: VariableNode): number {
  return 2 * v.outputShapes.reduce((n, s) => n + sizeOf(s), 0) * fanInOf(v);
}

/** Inputs per output value of a node (1 for element-wise ones). */
function fanInOf(v: VariableNode): number {
  const shapes = v.ctx.inputShapes;
  const weight = shapes[1];
  let fanIn = 1;
  switch (v.node.opType) {
    case 'Conv':
    case 'ConvTranspose':
      if (weight && weight.length >= 2) fanIn = sizeOf(weight) / weight[v.node.opType === 'Conv' ? 0 : 1];
      break;
    case 'MatMul':
    case 'Gemm': {
      const a = shapes[0];
      if (a && a.length > 0) fanIn = v.node.opType === 'Gemm' && v.node.attrs.transA === 1 ? a[0] : a[a.length - 1];
      break;
    }
  }
  return Math.max(1, fanIn);
}

/** Floating-point operations to reverse one neuron of each layer and check its activation. */
export function flopsPerNeuron(model: PreparedModel, layer: LayerInfo): number {
  let flops = 0;
  for (const v of ancestorsOf(model, layer.id)) flops += nodeFlops(v);
  return 2 * flops;
}

/** Where a cone covers more than this share of the maps, the forward pass runs on whole maps (forward-region.ts WORTH_CROPPING). */
const WORTH_CROPPING = 0.6;

/** One neuron's work on each path (LayerWork), counted on the nodes behind the layer. */
export function layerWork(model: PreparedModel, layer: LayerInfo): LayerWork {
  const cone = coneValues(model, layer);
  let reverse = 0;
  let whole = 0;
  let coneOut = 0;
  let wholeOut = 0;
  for (const v of ancestorsOf(model, layer.id)) {
    const out = v.outputShapes.reduce((n, s) => n + sizeOf(s), 0);
    const inCone = Math.min(out, v.node.outputs.reduce((n, o) => n + (cone.get(o) ?? 0), 0));
    const perValue = 2 * fanInOf(v) + VALUE_FLOPS;
    reverse += inCone * perValue;
    whole += out * perValue;
    coneOut += inCone;
    wholeOut += out;
  }
  const inputValues = sizeOf(model.inputShape);
  const node = model.producer.get(layer.id);
  const variables = node ? node.node.inputs.filter((t) => t !== '' && !model.constants.has(t)) : [];
  const oneSource = !!node && layer.reuses.length === 1 && variables.length === 1 && (node.node.opType !== 'BatchNormalization' || positiveScales(model, node));
  // A dense layer's seeds reach every value of its source: they are its neurons only when it has one per value (rank 1).
  const sourceLayer = model.layers.find((l) => l.id === layer.reusesAll?.[0]);
  const source = sourceLayer && (layer.channelAxis !== null || sourceLayer.neurons === sizeOf(sourceLayer.featureShape)) ? sourceLayer : undefined;
  // A ReLU after the family shares only the neurons whose gate stayed open: counted whole.
  const head = ascentHead(model, layer, true);
  return {
    reverse: reverse + inputValues * VALUE_FLOPS,
    check: coneOut <= WORTH_CROPPING * wholeOut ? reverse : whole,
    outputValues: sizeOf(layer.featureShape),
    inputValues,
    ...(layer.reuses.length > 0 && { reuses: layer.reuses }),
    ...(oneSource && { oneSource }),
    ...(source && { reusesAll: { source: source.id, neurons: source.neurons } }),
    ...(layer.homogeneousIn && { homogeneousIn: layer.homogeneousIn }),
    ...(head !== null && { ascentOf: head }),
  };
}

/** Whether a nonlinear node lies before the layer: the ascent can only move on such layers. */
export function layerAscends(model: PreparedModel, layer: LayerInfo): boolean {
  return ancestorsOf(model, layer.id).some((v) => v.nonlinear);
}

/** The steps per neuron the estimate counts on in an ascent of this layer (tests compare them with the steps taken). */
export function ascentStepCount(layer: Pick<LayerCost, 'ascends'>, steps: number, style: EstimateOptions['ascentStyle']): number {
  if (style === 'readable') return steps;
  return layer.ascends === false ? 0 : SPHERE_STEP_SHARE * steps;
}

/** CPU seconds of one neuron's ascent steps (a whole-map reversal's share and a fixed cost each). */
function ascentSeconds(layer: LayerCost, options: EstimateOptions): number {
  if (options.ascentSteps === undefined) return 0;
  const step = ASCENT_STEP_SHARE * layer.flopsPerNeuron + ASCENT_STEP_OVERHEAD_FLOPS;
  return (ascentStepCount(layer, options.ascentSteps, options.ascentStyle) * step) / WHOLE_MAP_FLOPS_PER_WORKER;
}


/**
 * The path each of a layer's `neurons` takes in a run of `inRun` layers (engine/reverse.ts and
 * reuse.ts decide the same at run time), and its CPU seconds on one worker: one term per path.
 */
function planWork(layer: LayerCost, neurons: number, inRun: ReadonlyMap<string, number>, options: EstimateOptions): { plan: WorkPlan; seconds: number } {
  const w = layer.work;
  const mode = options.mode;
  if (!w || mode === undefined) {
    return { plan: { reversed: neurons, reused: 0, checked: neurons }, seconds: neurons * (layer.flopsPerNeuron / WHOLE_MAP_FLOPS_PER_WORKER + ascentSeconds(layer, options)) };
  }
  if (mode === 'ascent') {
    // The surrogate's start, then the steps; the readable style runs one ascent per family in the run.
    const style = ASCENT_STEP[options.ascentStyle ?? 'sphere'];
    const shared = options.ascentStyle === 'readable' && w.ascentOf !== undefined && inRun.has(w.ascentOf);
    const steps = shared ? 0 : ascentStepCount(layer, options.ascentSteps ?? 0, options.ascentStyle);
    const step = (style.share * (w.reverse + w.check)) / FLOPS_PER_WORKER + style.seconds;
    const start = shared ? 0 : (w.reverse + w.check) / FLOPS_PER_WORKER + style.start;
    return { plan: { reversed: shared ? 0 : neurons, reused: shared ? neurons : 0, checked: neurons }, seconds: LAYER_SECONDS + neurons * (NEURON_SECONDS + start + steps * step) };
  }
  // Where the rule is only positively homogeneous in the seed (engine/reuse.ts: deconvnet and guided behind a ReLU).
  const homogeneous = w.homogeneousIn?.includes(mode) ?? false;
  // Element-wise reuse: every source in the run with this neuron (the same index); deconvnet and guided need one source with a positive factor.
  const sources = w.reuses ?? [];
  const elementwise = sources.length > 0 && sources.every((id) => (inRun.get(id) ?? 0) >= neurons) && (!homogeneous || w.oneSource === true);
  // Dense reuse: every neuron of the source in the run.
  const dense =
    !homogeneous && w.reusesAll !== undefined && (inRun.get(w.reusesAll.source) ?? 0) >= w.reusesAll.neurons &&
    w.reusesAll.neurons * w.inputValues * 4 <= (options.denseSourceBytes ?? Infinity);
  const reused = elementwise || dense;
  const plan = { reversed: reused ? 0 : neurons, reused: reused ? neurons : 0, checked: mode === 'exact' || (elementwise && w.oneSource) ? 0 : neurons };
  return { plan, seconds: planSeconds(w, plan) };
}

/** The mode the estimate plans paths for: the neuron objective's (the channel objective runs power iterations, costed on whole maps). */
export function estimatedMode(settings: { readonly mode: string; readonly objective: { readonly kind: string } }): string | undefined {
  return settings.objective.kind === 'neuron' ? settings.mode : undefined;
}

/** CPU seconds on one worker of a layer's rows on each path (a plan, or the work the engine counted): one term per path. */
export function planSeconds(w: LayerWork, plan: WorkPlan): number {
  // A layer reuses either element-wise (one row per source) or densely (one per source neuron): prepare gives it one or the other.
  const rows = w.reuses?.length ?? w.reusesAll?.neurons ?? 0;
  const reversal = plan.reversed * w.reverse;
  const check = plan.checked * w.check;
  const reuse = plan.reused * VALUE_FLOPS * (w.outputValues + 2 * w.inputValues);
  const reuseGemm = plan.reused * 2 * rows * w.inputValues;
  const rowsOf = plan.reversed + plan.reused;
  return LAYER_SECONDS + rowsOf * NEURON_SECONDS + (reversal + check + reuse) / FLOPS_PER_WORKER + reuseGemm / REUSE_FLOPS_PER_WORKER;
}

/** `inputSize`: values of one x* (the model's input without its batch dimension). */
export function estimateGallery(layers: readonly LayerCost[], inputSize: number, options: EstimateOptions): GalleryEstimate {
  const workers = Math.max(1, options.workers);
  const count = (layer: LayerCost): number => (options.neuronLimit === undefined ? layer.neurons : Math.min(layer.neurons, options.neuronLimit));
  const inRun = new Map(layers.map((l) => [l.id, count(l)]));
  const estimates = layers.map((layer): LayerEstimate => {
    const neurons = count(layer);
    const { plan, seconds } = planWork(layer, neurons, inRun, options);
    return { id: layer.id, neurons, seconds: seconds / (1 + (workers - 1) * SECOND_WORKER_SHARE), bytes: neurons * inputSize * 4, ...(layer.work && { plan }) };
  });
  const totals = {
    layers: estimates,
    neurons: estimates.reduce((n, l) => n + l.neurons, 0),
    seconds: estimates.reduce((s, l) => s + l.seconds, 0),
  };
  if (options.streamed && options.memory) return { ...totals, ...streamedPeak(layers, estimates, inputSize, workers, options.memory) };
  return { ...totals, bytes: 2 * (options.streamed ? estimates.reduce((b, l) => Math.max(b, l.bytes), 0) : estimates.reduce((b, l) => b + l.bytes, 0)) };
}

/** Seeds a worker's batch holds at once: a job's neurons, up to this. */
const BATCH_SEEDS = 64;
/** Live tensors per seed (reverse.ts LIVE_GRADIENTS). */
const LIVE_PER_SEED = 4;
/**
 * A worker's peak over its batches' working memory: recycled gradient arrays, a forward batch's
 * tensors and transferred results the collector has not yet taken. Fitted to the CLI's peaks on
 * full galleries (2 workers): MobileNetV2-224 ReLU6 surrogate 2.20 GB at a 2 GB budget and
 * 1.77 GB at 1.5 GB, MobileNetV2-64 0.72 GB.
 */
const WORKING_PEAK_FACTOR = 4;
/** Held in shared memory, a dense layer's source rows are one copy for every job; copied, each job takes its own. */
const COPIED_HOLD_FACTOR = 1.5;

/**
 * The CLI's peak memory (issue 18): rows go to disk as they come, so what is held is the
 * process, each worker's forward values and fixed memory, the source rows a dense layer
 * reuses (the run holds them until the layer is done: pool/reuse-hold.ts), and the workers'
 * batches, sized from what of the budget these leave (engine/budget.ts workerBudget, as the
 * pool sizes them): with the rows held, and without them, when the batches are larger.
 * `fixedBytes`: what no choice of layers or neurons lowers (the process, weights, forward values).
 */
function streamedPeak(layers: readonly LayerCost[], estimates: readonly LayerEstimate[], inputSize: number, workers: number, memory: RunMemory): { bytes: number; heldBytes: number; fixedBytes: number } {
  const seeds = Math.min(BATCH_SEEDS, estimates.reduce((n, l) => Math.max(n, l.neurons), 1));
  let hold = 0;
  layers.forEach((layer, i) => {
    const source = layer.work?.reusesAll;
    if (source && (estimates[i].plan?.reused ?? 0) > 0) hold = Math.max(hold, source.neurons * inputSize * 4);
  });
  const weights = { bytes: memory.weightBytes, shared: memory.sharedWeights };
  const weightBytes = memory.sharedWeights ? memory.weightBytes : workers * memory.weightBytes;
  const peakHolding = (held: number): { bytes: number; fixed: number } => {
    const holdings = { forwardBytes: memory.forwardBytes, heldBytes: held };
    const working = Math.min(workingShare(workerBudget(memory.budgetBytes, workers, weights, holdings)), LIVE_PER_SEED * memory.maxTensorBytes * seeds);
    const fixed = weightBytes + fixedBytes(workers, holdings);
    return { bytes: fixed + workers * WORKING_PEAK_FACTOR * working, fixed };
  };
  const holding = peakHolding((memory.sharedWeights ? 1 : COPIED_HOLD_FACTOR) * hold);
  const free = peakHolding(0);
  return { bytes: Math.max(holding.bytes, free.bytes), heldBytes: holding.fixed, fixedBytes: free.fixed };
}

/** Bytes of every tensor of one forward pass, and of the largest (RunMemory). */
export function forwardSizes(model: PreparedModel): { forwardBytes: number; maxTensorBytes: number } {
  let total = sizeOf(model.inputShape);
  let max = total;
  for (const v of model.nodes) {
    for (const shape of v.outputShapes) {
      total += sizeOf(shape);
      max = Math.max(max, sizeOf(shape));
    }
  }
  return { forwardBytes: 4 * total, maxTensorBytes: 4 * max };
}

export interface BudgetVerdict {
  readonly overTime: boolean;
  /** Over the memory budget, or one layer's x* rows past what one array can hold: never started. */
  readonly overMemory: boolean;
  /** The layer that costs most (time, or memory when memory is the problem). */
  readonly biggest: LayerEstimate | undefined;
  /** Over the memory budget by what the process takes whatever the layers and neurons (estimate.fixedBytes): only a larger budget helps. */
  readonly overFixed: boolean;
}

export function checkBudget(estimate: GalleryEstimate, budget: { seconds: number; bytes: number }): BudgetVerdict {
  const tooLong = estimate.layers.some((l) => l.bytes > MAX_RESULT_BYTES);
  const overMemory = (estimate.heldBytes ?? estimate.bytes) > budget.bytes || tooLong;
  const overFixed = !tooLong && (estimate.fixedBytes ?? 0) > budget.bytes;
  const overTime = estimate.seconds > budget.seconds;
  const key = overMemory ? (l: LayerEstimate) => l.bytes : (l: LayerEstimate) => l.seconds;
  const biggest = estimate.layers.reduce<LayerEstimate | undefined>((best, l) => (!best || key(l) > key(best) ? l : best), undefined);
  return { overTime, overMemory, biggest, overFixed };
}

export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(seconds < 36000 ? 1 : 0)} h`;
}

export { formatBytes };

/** One line for people: "12,345 neurons, about 3 min on 2 workers, 120 MB". */
export function describeEstimate(estimate: GalleryEstimate, workers: number): string {
  return `${estimate.neurons.toLocaleString('en-US')} neurons, about ${formatDuration(estimate.seconds)} on ${workers} worker${workers === 1 ? '' : 's'}, ${formatBytes(estimate.bytes)}`;
}
