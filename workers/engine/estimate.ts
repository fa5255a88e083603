import { ancestorsOf } from './forward';
import type { LayerInfo, PreparedModel, VariableNode } from './prepare';
import { sizeOf } from './tensor';
import { formatBytes } from './budget';

/**
 * What a gallery will cost, told before any work starts (issue 16): neurons, time and memory.
 *
 * The time model is deliberately simple: one neuron of a layer costs about one backward and one
 * forward pass through the nodes the layer depends on, each node counted as 2 × (output values)
 * × (inputs per output value) floating-point operations, at one throughput per worker. The
 * optimised engine crops early layers to their receptive field (faster than estimated), and
 * depthwise convolutions and element-wise layers run far below that throughput (slower); the
 * estimate predicts neither.
 *
 * Ascent starts from the surrogate's reversal and then takes steps (ascentStepCount). A step
 * costs less than that reversal (the reversal at the point is cone-cropped like it, but the
 * forward pass to the layer is the only other work: ASCENT_STEP_SHARE of the flops, measured on
 * the ResNet-8 and a MobileNetV2 at 64×64), plus a fixed cost per neuron and step that small models
 * are made of (node dispatch, the readable style's Fourier image and transforms, Adam).
 */

/**
 * Effective floating-point operations per second of one worker. Checked on this project's 2-core
 * machine (surrogate galleries, 2 workers, load average ~16 from other jobs): the Keras ResNet-8
 * CIFAR model estimated 12 s, took 14 s; the MobileNetV2 MNIST ONNX (depthwise) estimated 52 s, took 181 s.
 */
const FLOPS_PER_WORKER = 1.5e9;

/** A step's flops as a share of one reversal and check (flopsPerNeuron). */
const ASCENT_STEP_SHARE = 0.4;
/** A step's fixed cost, in flops at FLOPS_PER_WORKER (about 1 ms per neuron and step). */
const ASCENT_STEP_OVERHEAD_FLOPS = 1.5e6;
/**
 * The sphere's steps, as a share of its step limit, on layers behind a nonlinearity: each neuron
 * stops when a step no longer improves it. With 200 steps, ResNet-8 neurons took 0–20 in the first
 * blocks and 50–200 in the last, 26% of the limit over all its layers; the fixture's 27%.
 * Layers with no nonlinearity before them stop at step 0.
 */
const SPHERE_STEP_SHARE = 0.3;

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
}

export interface GalleryEstimate {
  readonly layers: readonly LayerEstimate[];
  readonly neurons: number;
  /** Wall-clock seconds on `workers` workers. */
  readonly seconds: number;
  /** Bytes held while the gallery is computed and written: x* rows, twice (pool results and the arrays made from them); of the largest layer only when streamed. */
  readonly bytes: number;
}

/** What the estimate needs of a layer (the app has it from the model summary, without the graph). */
export interface LayerCost {
  readonly id: string;
  /** Neurons under the objective ('direction': 1). */
  readonly neurons: number;
  readonly flopsPerNeuron: number;
  /** A nonlinearity lies before the layer (layerAscends): else the sphere's ascent stops where it starts. Unknown: assumed. */
  readonly ascends?: boolean;
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
}

/** Floating-point operations of one node's forward pass (its backward costs about the same). */
function nodeFlops(v: VariableNode): number {
  const out = v.outputShapes.reduce((n, s) => n + sizeOf(s), 0);
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
  return 2 * out * Math.max(1, fanIn);
}

/** Floating-point operations to reverse one neuron of each layer and check its activation. */
export function flopsPerNeuron(model: PreparedModel, layer: LayerInfo): number {
  let flops = 0;
  for (const v of ancestorsOf(model, layer.id)) flops += nodeFlops(v);
  return 2 * flops;
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

/** Flops (at FLOPS_PER_WORKER) of one neuron: its reversal and check, and its ascent's steps. */
function neuronFlops(layer: LayerCost, options: EstimateOptions): number {
  if (options.ascentSteps === undefined) return layer.flopsPerNeuron;
  const step = ASCENT_STEP_SHARE * layer.flopsPerNeuron + ASCENT_STEP_OVERHEAD_FLOPS;
  return layer.flopsPerNeuron + ascentStepCount(layer, options.ascentSteps, options.ascentStyle) * step;
}

/** `inputSize`: values of one x* (the model's input without its batch dimension). */
export function estimateGallery(layers: readonly LayerCost[], inputSize: number, options: EstimateOptions): GalleryEstimate {
  const workers = Math.max(1, options.workers);
  const estimates = layers.map((layer): LayerEstimate => {
    const neurons = options.neuronLimit === undefined ? layer.neurons : Math.min(layer.neurons, options.neuronLimit);
    const cpuSeconds = (neurons * neuronFlops(layer, options)) / FLOPS_PER_WORKER;
    return { id: layer.id, neurons, seconds: cpuSeconds / workers, bytes: neurons * inputSize * 4 };
  });
  return {
    layers: estimates,
    neurons: estimates.reduce((n, l) => n + l.neurons, 0),
    seconds: estimates.reduce((s, l) => s + l.seconds, 0),
    bytes: 2 * (options.streamed ? estimates.reduce((b, l) => Math.max(b, l.bytes), 0) : estimates.reduce((b, l) => b + l.bytes, 0)),
  };
}

export interface BudgetVerdict {
  readonly overTime: boolean;
  /** Over the memory budget, or one layer's x* rows past what one array can hold: never started. */
  readonly overMemory: boolean;
  /** The layer that costs most (time, or memory when memory is the problem). */
  readonly biggest: LayerEstimate | undefined;
}

export function checkBudget(estimate: GalleryEstimate, budget: { seconds: number; bytes: number }): BudgetVerdict {
  const overMemory = estimate.bytes > budget.bytes || estimate.layers.some((l) => l.bytes > MAX_RESULT_BYTES);
  const overTime = estimate.seconds > budget.seconds;
  const key = overMemory ? (l: LayerEstimate) => l.bytes : (l: LayerEstimate) => l.seconds;
  const biggest = estimate.layers.reduce<LayerEstimate | undefined>((best, l) => (!best || key(l) > key(best) ? l : best), undefined);
  return { overTime, overMemory, biggest };
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
