/**
 * Scheduling: one run of the pool (a generation): which neurons are pending (queue.ts),
 * the jobs that go out, the retries of jobs whose worker was lost, and the progress.
 */
import { stepsPerNeuron, type GallerySettings } from '../engine/compute';
import { estimateGallery } from '../engine/estimate';
import type { LayerProgress, PoolProgress, StepsProgress } from './api';
import { NeuronQueue } from './queue';
import { ReuseHold } from './reuse-hold';

/** Some neurons of one layer, sent to one worker. */
export interface Job {
  readonly generation: number;
  readonly settingsKey: string;
  readonly settings: GallerySettings;
  readonly layer: string;
  readonly neurons: readonly number[];
  /** Times a worker was lost while running it. */
  losses: number;
}

/** A layer of a run: its id, neuron count, and the layers whose results it reuses (engine/reuse.ts). */
export interface RunLayer {
  readonly id: string;
  readonly neurons: number;
  /** Element by element: its neuron n reuses their neuron n. */
  readonly reuses: readonly string[];
  /** Densely (LayerInfo.reusesAll): each of its neurons reuses every neuron of theirs. */
  readonly reusesAll?: readonly string[];
  /** Neurons per job when not the pool's default (a dense layer: its sources' rows travel once per job). */
  readonly maxBatch?: number;
  /**
   * Readable ascent: the layer whose ascent this one shares (ModelSummary.ascentHeads). Its neuron
   * n goes first, and its job brings this layer's neuron n (LayerResult.family), so the ascent runs once.
   */
  readonly follows?: string;
}

/** A job gets this many times its estimated time (engine/estimate.ts), which can be several times off (depthwise layers, a loaded machine). */
const TIMEOUT_PER_ESTIMATED_SECOND = 100;
/** …and never less than this. */
export const DEFAULT_MIN_JOB_TIMEOUT_MS = 120_000;

/**
 * How long a job may run before its worker counts as wedged (stopped, replaced, the job
 * retried): scaled to its estimated work, the neurons × the layer's flops per neuron × the
 * ascent's steps.
 */
export function jobTimeoutMs(job: Pick<Job, 'neurons' | 'settings'>, flopsPerNeuron: number, minMs: number): number {
  const estimatedSeconds = estimateGallery([{ id: '', neurons: job.neurons.length, flopsPerNeuron }], 0, { workers: 1, ascentSteps: stepsPerNeuron(job.settings), ascentStyle: job.settings.ascent?.style }).seconds;
  return Math.max(minMs, Math.ceil(estimatedSeconds * 1000 * TIMEOUT_PER_ESTIMATED_SECOND));
}

function now(): number {
  return performance.now();
}

export function emptyProgress(generation: number): PoolProgress {
  return { generation, layers: [], done: 0, failed: 0, total: 0, etaMs: null };
}

export class Run {
  readonly queue: NeuronQueue;
  /** Results the run's reusing layers still need. */
  readonly hold: ReuseHold;
  private readonly layers: { id: string; done: number; failed: number; total: number }[];
  private readonly layerIndex: Map<string, number>;
  /** Neurons computed by workers in this run, and when the first job went out: the ETA's throughput. */
  private computed = 0;
  private firstDispatch: number | null = null;
  private readonly retries: Job[] = [];
  /** Steps per neuron in a mode that iterates (ascent), else undefined: progress then counts steps too. */
  private readonly stepsPerNeuron: number | undefined;
  /** Running jobs' share of their steps done (0…1), as their workers report it. */
  private readonly running = new Map<Job, number>();

  constructor(
    readonly generation: number,
    readonly settings: GallerySettings,
    /** The settings key of the results (cache.ts). */
    readonly key: string,
    layers: readonly RunLayer[],
    maxBatch: number,
    /** Hold densely reused results in shared memory (reuse-hold.ts). */
    shareHeld = false,
  ) {
    this.queue = new NeuronQueue(layers, maxBatch);
    this.hold = new ReuseHold(this.queue, shareHeld);
    this.layers = layers.map((l) => ({ id: l.id, done: 0, failed: 0, total: l.neurons }));
    this.layerIndex = new Map(layers.map((l, i) => [l.id, i]));
    this.stepsPerNeuron = stepsPerNeuron(settings);
  }

  /** Every neuron of a layer of the run. */
  neuronsOf(layer: string): number[] {
    const i = this.layerIndex.get(layer);
    return i === undefined ? [] : Array.from({ length: this.layers[i].total }, (_, n) => n);
  }

  /** The next job for one of `workers` workers: a retry first, then the queue's next batch. */
  nextJob(workers: number): Job | null {
    const retry = this.retries.shift();
    if (retry) return retry;
    const batch = this.queue.next(workers);
    if (!batch) return null;
    return { generation: this.generation, settingsKey: this.key, settings: this.settings, layer: batch.layer, neurons: batch.neurons, losses: 0 };
  }

  dispatched(): void {
    this.firstDispatch ??= now();
  }

  /** A running job's worker reports its steps; false unless it moved on (a sign of life, not a repeat). */
  steps(job: Job, done: number, total: number): boolean {
    const share = total > 0 ? Math.min(1, done / total) : 1;
    if (!(share > (this.running.get(job) ?? 0))) return false;
    this.running.set(job, share);
    return true;
  }

  /** A job is over (answered, failed or lost): its steps count through its neurons from now on. */
  settled(job: Job): void {
    this.running.delete(job);
  }

  /** A job whose worker was lost goes again, once; false when it already went twice. */
  retry(job: Job): boolean {
    this.settled(job);
    job.losses++;
    if (job.losses >= 2) return false;
    this.retries.push(job);
    return true;
  }

  /** Results are in for these neurons (`computed`: by a worker, not from the cache). */
  delivered(layer: string, neurons: readonly number[], computed: boolean): void {
    this.layers[this.layerIndex.get(layer)!].done += neurons.length;
    for (const n of neurons) this.queue.markDone(layer, n);
    if (computed) this.computed += neurons.length;
  }

  failed(layer: string, neurons: readonly number[]): void {
    for (const n of neurons) this.queue.markDone(layer, n);
    this.layers[this.layerIndex.get(layer)!].failed += neurons.length;
  }

  /**
   * Steps of a layer, counted per neuron: every neuron done or failed has taken its steps, a
   * running job its reported share of its neurons' steps.
   */
  private layerSteps(l: { id: string; done: number; failed: number; total: number }, perNeuron: number): StepsProgress {
    let running = 0;
    for (const [job, share] of this.running) if (job.layer === l.id) running += share * job.neurons.length;
    return { done: Math.round((l.done + l.failed + running) * perNeuron), total: l.total * perNeuron };
  }

  progress(): PoolProgress {
    let done = 0;
    let failed = 0;
    let total = 0;
    const perNeuron = this.stepsPerNeuron;
    const allSteps = { done: 0, total: 0 };
    const layers: LayerProgress[] = this.layers.map((l) => {
      done += l.done;
      failed += l.failed;
      total += l.total;
      const layer = { layer: l.id, done: l.done + l.failed, failed: l.failed, total: l.total };
      if (perNeuron === undefined) return layer;
      const steps = this.layerSteps(l, perNeuron);
      allSteps.done += steps.done;
      allSteps.total += steps.total;
      return { ...layer, steps };
    });
    const left = total - done - failed;
    let etaMs = left === 0 ? 0 : this.computed > 0 && this.firstDispatch !== null ? ((now() - this.firstDispatch) / this.computed) * left : null;
    if (left > 0 && perNeuron !== undefined && this.firstDispatch !== null) {
      // Ascent: the throughput in steps, known from a job's first reports rather than its result.
      const worked = allSteps.done - (done - this.computed) * perNeuron;
      if (worked > 0) etaMs = ((now() - this.firstDispatch) / worked) * (allSteps.total - allSteps.done);
    }
    return { generation: this.generation, layers, done: done + failed, failed, total, etaMs, ...(perNeuron === undefined ? {} : { steps: allSteps }) };
  }
}
