import type { GallerySettings } from '../engine/compute';
import type { InputLayout, ModelSource, QuantizationInfo } from '../engine/graph';
import type { LayerResult } from '../engine/layer-result';
import type { LayerInfo } from '../engine/prepare';
import type { LayerWork } from '../engine/estimate';
import type { ModelStructure } from '../engine/structure';
import type { InputFile } from '../formats/types';

export type { GallerySettings } from '../engine/compute';
export type { InputFile } from '../formats/types';
export type { LayerResult } from '../engine/layer-result';

/** What the UI and the CLI need to know about a loaded model. */
export interface ModelSummary {
  /** Hash of the files' names and bytes: part of every cache key. */
  readonly digest: string;
  readonly source: ModelSource;
  /** How the file was quantised; the model held is its dequantised float network. */
  readonly quantization?: QuantizationInfo;
  /** The nodes, shapes, parameters and weight histograms the graph and weights views show. */
  readonly structure?: ModelStructure;
  /** Class names of the output neurons, where the file or a companion gives them (graph.labels). */
  readonly labels?: readonly string[];
  /** The shape of every x*: the model's input without its batch dimension. */
  readonly inputShape: readonly number[];
  /** The input's layout (detected, or as the user chose it). */
  readonly inputLayout: InputLayout;
  /** The image shape [H, W] the user asked to draw the input as, or null. */
  readonly imageShape: readonly number[] | null;
  /** The input's value range where the file says (TFLite input quantisation): what the CLI's --value-range defaults to. */
  readonly inputRange?: readonly [number, number];
  readonly layers: readonly LayerInfo[];
  /** Per layer (same order): floating-point operations to compute one neuron, for the estimate before a run (engine/estimate.ts). */
  readonly layerFlops: readonly number[];
  /** Per layer: a nonlinearity lies before it, so an ascent moves from its start (engine/estimate.ts layerAscends). */
  readonly layerAscends?: readonly boolean[];
  /** Per layer: the layer whose readable ascent it shares (engine/ascent-family.ts ascentHead), or null. */
  readonly ascentHeads?: readonly (string | null)[];
  /** Per layer: one neuron's work on each of the engine's paths (engine/estimate.ts layerWork). */
  readonly layerWork?: readonly LayerWork[];
  /** Names of nonlinear nodes (the exact mode refuses the model when there are any). */
  readonly nonlinearNodes: readonly string[];
  /** The nonlinear nodes with no linear counterpart, which the surrogate linearises at the reference input (engine/gates.ts). */
  readonly gateNodes: readonly string[];
  /** Bytes of every tensor of one forward pass (engine/estimate.ts forwardSizes): each worker keeps them, charged to the budget (engine/budget.ts fixedBytes). */
  readonly forwardBytes?: number;
  /** Bytes of weights held once for all workers (shared) or once per worker (copied). */
  readonly weightBytes: number;
  readonly sharedWeights: boolean;
}

export interface RunOptions {
  /** A preview: only the first N neurons (channels) of each layer. */
  readonly neuronLimit?: number;
}

/** Optimal inputs of some neurons of one layer (one job's, or from the cache), as computed under the settings of `generation`. */
export interface PoolResult extends LayerResult {
  /** The run() this result answers; results of an older generation are never delivered. */
  readonly generation: number;
}

/** Steps of gradient ascent, counted per neuron (a job of 16 neurons × 256 steps holds 4,096). */
export interface StepsProgress {
  readonly done: number;
  readonly total: number;
}

export interface LayerProgress {
  readonly layer: string;
  /** Neurons delivered (computed or from the cache) or failed. */
  readonly done: number;
  readonly failed: number;
  readonly total: number;
  /** In a mode that iterates (ascent): its steps, running jobs' reported steps included. */
  readonly steps?: StepsProgress;
}

export interface PoolProgress {
  readonly generation: number;
  readonly layers: readonly LayerProgress[];
  readonly done: number;
  readonly failed: number;
  readonly total: number;
  /** Estimated time left, from this run's throughput; null until a first job is done. */
  readonly etaMs: number | null;
  /** In a mode that iterates (ascent): the steps over every layer. */
  readonly steps?: StepsProgress;
}

/** A job that threw (it fails alone, its neurons count as done-and-failed), or a worker that could not start (layer ''). */
export interface PoolError {
  readonly layer: string;
  readonly neurons: readonly number[];
  readonly message: string;
  readonly generation: number;
}

export interface LoadOptions {
  /** Input shape without the batch dimension, for symbolic dimensions. */
  readonly inputShape?: readonly number[];
  /** NumPy chains: force the orientation (see formats ReadOptions). */
  readonly orientation?: 'rows-are-inputs' | 'rows-are-outputs';
  /** Overrides the detected input layout. */
  readonly inputLayout?: InputLayout;
  /** Draws the input as H×W image(s). */
  readonly imageShape?: readonly number[];
  /** Bytes the model's tensors may take while it is read and folded (engine/budget.ts). */
  readonly memoryBudget?: number;
}

/**
 * A pool of workers computing galleries. Host-agnostic: the Node and browser entry
 * points (pool/node.ts, pool/browser.ts) differ only in how they spawn a worker.
 */
export interface GalleryPool {
  /**
   * Reads and prepares the model (in a worker, never on the caller's thread), then loads
   * it once into every worker. Cancels everything before. Rejects with a ModelError
   * naming the file when it is not a model; the model loaded before stays usable.
   */
  load(files: readonly InputFile[], options?: LoadOptions): Promise<ModelSummary>;
  /**
   * Cancels the current run and queues every neuron of these layers (all layers when
   * omitted) under `settings`. Returns the new generation. Results already cached are
   * delivered in a microtask, before any computed one. Throws when no model is loaded,
   * while load() is pending, or for an unknown layer. A preview (`neuronLimit`) queues only
   * the first N neurons of each layer.
   */
  run(settings: GallerySettings, layers?: readonly string[], options?: RunOptions): number;
  /**
   * Puts these pending neurons first. Each call outranks every earlier call (what the
   * user looked at last goes first); neurons already done or not pending are ignored.
   */
  prioritize(layer: string, neurons: readonly number[]): void;
  /**
   * Drops queued jobs at once; running jobs finish but their results are never delivered.
   * Emits a progress event of a new, empty generation.
   */
  cancel(): void;
  onResult(listener: (result: PoolResult) => void): () => void;
  onProgress(listener: (progress: PoolProgress) => void): () => void;
  onError(listener: (error: PoolError) => void): () => void;
  /** The current generation's progress (done === total when idle). */
  progress(): PoolProgress;
  /** Number of workers. */
  size(): number;
  /** Drops the results cache. */
  clearCache(): void;
  terminate(): Promise<void>;
}

/** Options of createNodePool (pool/node.ts) and createBrowserPool (pool/browser.ts). */
export interface PoolOptions {
  /** Number of workers; default: available cores − 1, at least 1. */
  readonly size?: number;
  /**
   * Keep the weights in one SharedArrayBuffer for all workers. Default: whenever the host
   * allows it (Node; browsers with crossOriginIsolated). false copies them into each worker.
   */
  readonly shareWeights?: boolean;
  /**
   * Upper bound on neurons per job (default 16): smaller reacts faster to priorities and
   * cancellation. By default a layer that reuses every neuron of another (engine/reuse.ts)
   * takes larger jobs, as its sources' rows travel with each job.
   */
  readonly maxBatch?: number;
  /** Upper bound on cached x* bytes (default 256 MiB); least recently used go first. 0: results are kept only until the layers of the run that reuse them have them. */
  readonly cacheBytes?: number;
  /**
   * Bytes the workers may use together, weights included (the CLI's --memory-budget): each job
   * carries its worker's share (engine/budget.ts workerBudget), which sets the worker's batch
   * sizes. Default: each worker keeps the budget it read the model with, or the engine's default.
   */
  readonly memoryBudget?: number;
  /**
   * The least time a job may take before its worker counts as wedged (default 2 minutes);
   * a job's own limit is scaled to its estimated work (pool/run.ts jobTimeoutMs).
   */
  readonly minJobTimeoutMs?: number;
}

/** Ready-made for the CLI: every result of a run, one per layer in neuron order. */
export interface GalleryOutcome {
  readonly results: ReadonlyMap<string, LayerResult>;
  readonly errors: readonly PoolError[];
}
