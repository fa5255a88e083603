import { sharesAscent } from '../engine/ascent-family';
import type { GallerySettings } from '../engine/compute';
import { memoryBudget as threadBudget, workerBudget } from '../engine/budget';
import { ModelError } from '../engine/graph';
import { gatherRows, type LayerResult } from '../engine/layer-result';
import { modeById } from '../engine/modes/index';
import { reusedLayers } from '../engine/reuse';
import type { InputFile } from '../formats/types';
import type { GalleryPool, LoadOptions, ModelSummary, PoolError, PoolOptions, PoolProgress, PoolResult, RunOptions } from './api';
import { settingsKey } from './cache';
import { asError, guarded, WorkerSlots, type Slot, type WorkerHandle } from './lifecycle';
import { canShareMemory } from './pack';
import type { InjectedFault, PackedModel, WorkerMemory } from './protocol';
import { DEFAULT_MIN_JOB_TIMEOUT_MS, emptyProgress, jobTimeoutMs, Run, type Job, type RunLayer } from './run';
import { callCompute } from './job-call';
import { ResultTransfer } from './transfer';

export interface HostPoolOptions extends PoolOptions {
  readonly spawnWorker: () => WorkerHandle;
  /** The host's default size (cores − 1, at least 1). */
  readonly defaultSize: number;
}

const DEFAULT_MAX_BATCH = 16;
const DEFAULT_CACHE_BYTES = 256 * 1024 * 1024;
/**
 * A layer that reuses every neuron of its sources (a 1×1 convolution, a dense layer after
 * pooling: engine/reuse.ts) gets their rows with each job: only when they take at most this
 * where each job gets its own copy (a 224-pixel MobileNetV2's 1,280 source rows would be 770 MB) …
 */
export const DENSE_SOURCE_BYTES = 96 * 1024 * 1024;
/**
 * … or, where the run holds them in shared memory (reuse-hold.ts: one copy for every job), at
 * most this share of the memory budget: the workers' share shrinks by what the hold takes.
 */
const DENSE_SHARED_SHARE = 1 / 3;

/** The most bytes of source rows a dense layer reuses on a pool with this memory budget, holding them in shared memory or not. */
export function denseSourceBytes(budgetBytes: number, shared: boolean): number {
  return shared ? Math.max(DENSE_SOURCE_BYTES, budgetBytes * DENSE_SHARED_SHARE) : DENSE_SOURCE_BYTES;
}
/** … and then in jobs large enough that the rows travel about once per four neurons, their results at most this. */
const DENSE_JOB_BYTES = 48 * 1024 * 1024;

function denseBatch(sourceBytes: number, rowBytes: number, maxBatch: number): number {
  const rows = sourceBytes / rowBytes;
  return Math.max(maxBatch, Math.min(Math.ceil(rows / 4), Math.floor(DENSE_JOB_BYTES / rowBytes)));
}

interface LoadedModel {
  readonly summary: ModelSummary;
  /** Prefix of every cache key: the files' digest and how they were opened. */
  readonly key: string;
}

class Emitter<T> {
  private readonly listeners = new Set<(value: T) => void>();
  on(listener: (value: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(value: T): void {
    for (const l of [...this.listeners]) l(value);
  }
}

/**
 * The pool (see api.ts for the contract). Its own scheduler over threads' spawn(): threads'
 * Pool queues tasks first-in first-out on a fixed set of workers, and offers neither
 * priorities, nor loading a model into every worker, nor replacing a worker that died.
 * Its parts: the workers' lifecycle (lifecycle.ts), the run being scheduled (run.ts) and
 * the results' way from the workers and the cache to the listeners (transfer.ts).
 */
export class WorkerPool implements GalleryPool {
  private readonly workers: WorkerSlots<Job>;
  private readonly transfer: ResultTransfer;
  private readonly maxBatch: number;
  /** The bound on a dense layer's jobs: none by default (denseBatch sizes them), else the caller's maxBatch. */
  private readonly maxDenseBatch: number;
  private readonly minJobTimeoutMs: number;
  private readonly share: boolean;
  private readonly memoryBudget: number | undefined;
  private model: LoadedModel | null = null;
  private loading = 0;
  private loadToken = 0;
  private modelVersion = 0;
  private generation = 0;
  private current: Run | null = null;
  private terminated = false;
  private readonly faults: { kind: InjectedFault; layer: string; neuron: number; times: number }[] = [];
  private readonly results = new Emitter<PoolResult>();
  private readonly progressEvents = new Emitter<PoolProgress>();
  private readonly errors = new Emitter<PoolError>();
  /** Jobs sent to workers, over the pool's life (retries included). */
  jobsDispatched = 0;

  constructor(options: HostPoolOptions) {
    const size = options.size ?? options.defaultSize;
    if (!Number.isInteger(size) || size < 1) throw new Error(`pool size must be a whole number ≥ 1, got ${size}`);
    this.maxBatch = Math.max(1, Math.floor(options.maxBatch ?? DEFAULT_MAX_BATCH));
    this.maxDenseBatch = options.maxBatch === undefined ? Infinity : this.maxBatch;
    this.minJobTimeoutMs = options.minJobTimeoutMs ?? DEFAULT_MIN_JOB_TIMEOUT_MS;
    this.transfer = new ResultTransfer(options.cacheBytes ?? DEFAULT_CACHE_BYTES);
    this.share = (options.shareWeights ?? true) && canShareMemory();
    this.memoryBudget = options.memoryBudget;
    this.workers = new WorkerSlots<Job>(size, options.spawnWorker, {
      ready: () => this.schedule(),
      lost: (job, reason) => this.onLost(job, reason),
      startFailed: (message) => this.errors.emit({ layer: '', neurons: [], message, generation: this.generation }),
    });
  }

  /** Workers replaced after dying, over the pool's life. */
  get replacedWorkers(): number {
    return this.workers.replaced;
  }

  private onLost(job: Job | null, reason: string): void {
    const run = this.current;
    if (!job || !run || job.generation !== run.generation) return;
    if (!run.retry(job)) this.failJob(run, job, `the worker was lost twice computing these neurons (${reason})`);
    this.schedule();
  }

  async load(files: readonly InputFile[], options: LoadOptions = {}): Promise<ModelSummary> {
    return this.loadWith(async () => {
      const opener = await this.workers.anyLive();
      const opened = await guarded(opener, (t) => t.open(files, { ...options, share: this.share })).catch((e: unknown) => {
        throw asError(e);
      });
      return { ...opened, opener, orientation: options.orientation };
    });
  }

  /**
   * Loads a model packed elsewhere (pool/graph-load.ts packs a hand-built Graph, the CLI the
   * model it read, on the caller's thread: for Node tools and tests, not for a UI thread).
   */
  loadPacked(summary: ModelSummary, packed: PackedModel): Promise<ModelSummary> {
    return this.loadWith(async () => ({ summary, packed }));
  }

  private async loadWith(open: () => Promise<{ summary: ModelSummary; packed: PackedModel; opener?: Slot<Job>; orientation?: string }>): Promise<ModelSummary> {
    this.assertAlive();
    this.cancel();
    const token = ++this.loadToken;
    this.loading++;
    try {
      const opened = await open();
      if (token !== this.loadToken) {
        if (opened.opener) this.workers.reload(opened.opener);
        throw new Error('superseded by a newer load');
      }
      const shape = opened.summary.inputShape.join(',');
      this.model = { summary: opened.summary, key: `${opened.summary.digest}|${shape}|${opened.orientation ?? ''}|${opened.summary.inputLayout}` };
      await this.workers.setModel(++this.modelVersion, opened.packed, opened.opener);
      if (token !== this.loadToken) throw new Error('superseded by a newer load');
      return opened.summary;
    } finally {
      this.loading--;
    }
  }

  run(settings: GallerySettings, layers?: readonly string[], options: RunOptions = {}): number {
    this.assertAlive();
    if (this.loading > 0) throw new Error('a model is loading: run() after load() resolves');
    const model = this.model;
    if (!model) throw new Error('no model loaded');
    const known = new Map(model.summary.layers.map((l) => [l.id, l]));
    const chosen = layers ? [...layers] : model.summary.layers.map((l) => l.id);
    for (const id of chosen) if (!known.has(id)) throw new ModelError(`no layer "${id}" in ${model.summary.source.fileName}`);

    this.stopRun();
    const limit = options.neuronLimit ?? Infinity;
    const neuronsOf = (id: string): number => Math.min(limit, settings.objective.kind === 'direction' ? 1 : known.get(id)!.neurons);
    // Modes that are no reversal (ascent) have nothing to reuse between their layers.
    const reusing = modeById(settings.mode).reusesKnown;
    const rowBytes = 4 * model.summary.inputShape.reduce((a, b) => a * b, 1);
    const headOf = sharesAscent(settings) ? new Map(model.summary.layers.map((l, i) => [l.id, model.summary.ascentHeads?.[i] ?? null])) : undefined;
    const denseLimit = denseSourceBytes(this.memoryBudget ?? threadBudget(), this.share);
    const runLayers: RunLayer[] = chosen.map((id) => {
      const head = headOf?.get(id);
      const layer = known.get(id)!;
      const dense = reusing ? reusedLayers(layer, settings.mode).filter((s) => !layer.reuses.includes(s) && chosen.includes(s)) : [];
      const sourceBytes = dense.reduce((n, s) => n + neuronsOf(s) * rowBytes, 0);
      const denseFits = dense.length > 0 && sourceBytes <= denseLimit;
      return {
        id,
        neurons: neuronsOf(id),
        reuses: reusing ? layer.reuses : [],
        ...(denseFits ? { reusesAll: dense, maxBatch: Math.min(this.maxDenseBatch, denseBatch(sourceBytes, rowBytes, this.maxBatch)) } : {}),
        ...(head && chosen.includes(head) ? { follows: head } : {}),
      };
    });
    const run = new Run(this.generation, settings, settingsKey(model.key, settings), runLayers, this.maxBatch, this.share);
    this.current = run;
    const cached = this.transfer.cached(run, runLayers, model.summary.inputShape);
    for (const r of cached) run.hold.keep(r);
    queueMicrotask(() => {
      if (this.current !== run) return;
      if (cached.length > 0) this.deliver(run, cached, false);
      else this.progressEvents.emit(this.progress());
      this.schedule();
    });
    return run.generation;
  }

  prioritize(layer: string, neurons: readonly number[]): void {
    this.current?.queue.prioritize(layer, neurons);
  }

  cancel(): void {
    this.stopRun();
    this.progressEvents.emit(this.progress());
  }

  /** Makes the current run stale: its queue is dropped, its running jobs' results never delivered. */
  private stopRun(): void {
    this.generation++;
    this.current = null;
  }

  /** Test-only: the next `times` jobs holding this neuron make their worker exit, or throw. */
  injectFault(kind: InjectedFault, layer: string, neuron: number, times = 1): void {
    this.faults.push({ kind, layer, neuron, times });
  }

  private takeFault(layer: string, neurons: readonly number[]): InjectedFault | undefined {
    const f = this.faults.find((x) => x.times > 0 && x.layer === layer && neurons.includes(x.neuron));
    if (!f) return undefined;
    f.times--;
    return f.kind;
  }

  private schedule(): void {
    const run = this.current;
    if (!run || !this.model || this.terminated) return;
    for (const slot of this.workers.idle()) {
      const job = run.nextJob(this.workers.slots.length);
      if (!job) return;
      this.dispatch(slot, run, job);
    }
  }

  private dispatch(slot: Slot<Job>, run: Run, job: Job): void {
    slot.state = 'busy';
    slot.job = job;
    this.jobsDispatched++;
    run.dispatched();
    const fault = this.takeFault(job.layer, job.neurons);
    const summary = this.model!.summary;
    const known = this.transfer.knownRows(run, job, summary.inputShape);
    // A wedged worker (an endless loop, a hang) is stopped and replaced; its job goes again (onLost).
    const limit = jobTimeoutMs(job, summary.layerFlops[summary.layers.findIndex((l) => l.id === job.layer)] ?? 0, this.minJobTimeoutMs);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (slot.job === job && slot.state === 'busy') this.workers.stop(slot, `no answer after ${Math.round(limit / 1000)} s`);
      }, limit);
    };
    arm();
    // A report of more steps done is a sign of life: the whole job's limit starts again. Steps only
    // grow to their total, so a worker that reports and never answers is still stopped in the end.
    const onSteps = (done: number, total: number): void => {
      if (run !== this.current || !run.steps(job, done, total)) return;
      arm();
      this.progressEvents.emit(this.progress());
    };
    // What the process holds whatever the batches (the rows the run holds for its reusing layers,
    // each worker's forward values and WebAssembly memory) is no worker's to spend on batches.
    const fixed = { forwardBytes: summary.forwardBytes ?? 0, heldBytes: run.hold.heldBytes };
    const memoryBudget = this.memoryBudget === undefined ? undefined : workerBudget(this.memoryBudget, this.workers.slots.length, { bytes: summary.weightBytes, shared: summary.sharedWeights }, fixed);
    const familyResults = run.queue.followersOf(job.layer).length > 0;
    const request = { layer: job.layer, neurons: job.neurons, settings: job.settings, fault, memoryBudget, ...(known.length > 0 ? { known } : {}), ...(familyResults ? { familyResults } : {}) };
    guarded(slot, (t) => callCompute(t, request, onSteps))
      .finally(() => {
        clearTimeout(timer);
        run.settled(job);
      })
      .then(
        (result) => this.onJobDone(slot, job, result),
        (e: unknown) => this.onJobFailed(slot, job, e),
      );
  }

  private release(slot: Slot<Job>, job: Job): boolean {
    if (slot.job !== job || slot.state !== 'busy') return false;
    slot.job = null;
    slot.state = 'idle';
    return true;
  }

  private onJobDone(slot: Slot<Job>, job: Job, result: LayerResult): void {
    if (!this.release(slot, job)) return;
    const { family, ...own } = result;
    const delivered = this.transfer.received(job, own);
    const run = this.current;
    const current = run && run.generation === job.generation ? run : undefined;
    if (current) {
      current.hold.keep(own);
      current.hold.release(job.layer, job.neurons);
      this.deliver(current, [delivered], true);
    }
    // The results of the layers sharing the job's ascent: theirs, for the neurons still pending.
    for (const f of family ?? []) {
      const cached = this.transfer.received({ ...job, layer: f.layer, neurons: f.neurons }, f);
      const claimed = current?.queue.claim(f.layer, f.neurons) ?? [];
      if (!current || claimed.length === 0) continue;
      const part = claimed.length === f.neurons.length ? cached : { ...gatherRows(f.layer, f.inputShape, claimed.map((n) => ({ result: f, row: f.neurons.indexOf(n) }))), generation: job.generation };
      current.hold.keep(part);
      this.deliver(current, [part], true);
    }
    this.schedule();
  }

  private onJobFailed(slot: Slot<Job>, job: Job, e: unknown): void {
    // A death is handled by onLost (the job is retried there).
    if (!this.release(slot, job)) return;
    const run = this.current;
    if (run && run.generation === job.generation) this.failJob(run, job, asError(e).message);
    this.schedule();
  }

  private failJob(run: Run, job: Job, message: string): void {
    run.failed(job.layer, job.neurons);
    run.hold.release(job.layer, job.neurons);
    this.errors.emit({ layer: job.layer, neurons: [...job.neurons], message, generation: run.generation });
    this.progressEvents.emit(this.progress());
  }

  private deliver(run: Run, results: readonly PoolResult[], computed: boolean): void {
    for (const r of results) run.delivered(r.layer, r.neurons, computed);
    for (const r of results) this.results.emit(r);
    this.progressEvents.emit(this.progress());
  }

  progress(): PoolProgress {
    return this.current?.progress() ?? emptyProgress(this.generation);
  }

  onResult(listener: (result: PoolResult) => void): () => void {
    return this.results.on(listener);
  }

  onProgress(listener: (progress: PoolProgress) => void): () => void {
    return this.progressEvents.on(listener);
  }

  onError(listener: (error: PoolError) => void): () => void {
    return this.errors.on(listener);
  }

  size(): number {
    return this.workers.slots.length;
  }

  /** Whether weights go to the workers in one SharedArrayBuffer. */
  get sharesWeights(): boolean {
    return this.share;
  }

  clearCache(): void {
    this.transfer.clear();
  }

  /** Each live worker's own memory (benchmarks; null entries where the host does not tell). */
  async workerMemory(): Promise<(WorkerMemory | null)[]> {
    return Promise.all(this.workers.live().map((s) => guarded(s, (t) => t.memory()).catch(() => null)));
  }

  /** Rows the current run holds for the layers that reuse them (pool/reuse-hold.ts; tests). */
  heldResults(): number {
    return this.current?.hold.size ?? 0;
  }

  /** Results held by the cache (for tests and the UI's memory display). */
  cachedResults(): number {
    return this.transfer.size;
  }

  async terminate(): Promise<void> {
    if (this.terminated) return;
    this.stopRun();
    this.terminated = true;
    await this.workers.terminate();
  }

  private assertAlive(): void {
    if (this.terminated) throw new Error('the pool was terminated');
  }
}

export function createPool(options: HostPoolOptions): WorkerPool {
  return new WorkerPool(options);
}
