import type { Observable } from 'threads/observable';
import type { GallerySettings } from '../engine/compute';
import type { Graph } from '../engine/graph';
import type { LayerResult } from '../engine/layer-result';
import type { InputFile } from '../formats/types';
import type { LoadOptions, ModelSummary } from './api';

/**
 * A prepared model as it travels to the workers: the graph reduced to the nodes that
 * depend on the input, every constant they read already folded, and all tensor data as
 * views on one buffer. A SharedArrayBuffer is shared by every worker (structured clone
 * passes it by reference); an ArrayBuffer is copied once per worker.
 */
export interface PackedModel {
  readonly graph: Graph;
  readonly buffer: SharedArrayBuffer | ArrayBuffer;
}

export interface OpenOptions extends LoadOptions {
  /** Put the weights in a SharedArrayBuffer. */
  readonly share: boolean;
}

export interface Opened {
  readonly summary: ModelSummary;
  readonly packed: PackedModel;
}

/**
 * A test-only fault a job can carry: its worker exits (dies), the job throws, it spins forever
 * (a wedged worker), or it crawls: busy for 3 s before its work, reporting steps all along.
 */
export type InjectedFault = 'exit' | 'throw' | 'spin' | 'crawl';

export interface ComputeRequest {
  readonly layer: string;
  readonly neurons: readonly number[];
  readonly settings: GallerySettings;
  readonly fault?: InjectedFault;
  /** Results of layers the job's layer reuses (engine/reuse.ts), same settings, from the pool's cache. */
  readonly known?: readonly KnownRows[];
  /** The worker's share of the pool's memory budget (engine/budget.ts workerBudget): its batch sizes follow it. */
  readonly memoryBudget?: number;
  /** Readable ascent: send the results of the layers sharing the job's ascent with it (LayerResult.family). */
  readonly familyResults?: boolean;
}

/**
 * What a job sends while it runs: the steps done and in all, as a mode that iterates (ascent)
 * finishes them (at most every STEPS_INTERVAL_MS, and the last), then once its result.
 */
export type JobMessage =
  | { readonly kind: 'steps'; readonly done: number; readonly total: number }
  | { readonly kind: 'result'; readonly result: LayerResult };

/** Steps reports of a running job are at least this far apart (the first and the last aside). */
export const STEPS_INTERVAL_MS = 100;

/** Some results of one layer: x* rows side by side, their norms ‖a‖ and the activations they reach. */
export type KnownRows = Pick<LayerResult, 'layer' | 'neurons' | 'norms' | 'xstar' | 'activations'>;

/** What workers/worker.ts exposes through `threads` (a type alias: threads wants an index-signature-compatible type). */
export type WorkerApi = {
  /** Reads and prepares the files, keeps the model, and returns it packed for the other workers. */
  open(files: readonly InputFile[], options: OpenOptions): Promise<Opened>;
  /** Loads a model packed by open() (in this or another worker). */
  adopt(packed: PackedModel): Promise<void>;
  /** One job: its steps as they finish, then its answer, whose arrays are transferred, not copied. */
  compute(request: ComputeRequest): Observable<JobMessage> | Promise<never>;
  /** This worker's own memory (Node: its isolate's heap and array buffers; null where the host does not tell). */
  memory(): Promise<WorkerMemory | null>;
};

export interface WorkerMemory {
  /** JavaScript heap in use. */
  readonly heapUsed: number;
  /** ArrayBuffers this worker allocated (a SharedArrayBuffer counts in the one that created it). */
  readonly arrayBuffers: number;
}
