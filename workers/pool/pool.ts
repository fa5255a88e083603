import { spawn, Thread, type ModuleThread } from 'threads';
import type { GallerySettings } from '../engine/compute';
import { ModelError } from '../engine/graph';
import { modeById } from '../engine/modes/index';
import type { InputFile } from '../formats/types';
import type {
  GalleryPool,
  LayerProgress,
  LoadOptions,
  ModelSummary,
  PoolError,
  PoolOptions,
  PoolProgress,
  PoolResult,
  RunOptions,
} from './api';
import { ResultCache, settingsKey } from './cache';
import { canShareMemory } from './pack';
import type { InjectedFault, KnownRows, PackedModel, WorkerApi, WorkerMemory } from './protocol';
import { gatherRows, type LayerResult, type ResultRow } from '../engine/layer-result';
import { NeuronQueue } from './queue';

/** How a host's worker tells the pool it died (Node: 'exit'; browsers: an uncaught 'error'). */
export interface WorkerHandle {
  /** Handed to threads' spawn(): a threads Node Worker or a browser Worker. */
  readonly worker: unknown;
  onDeath(listener: (reason: string) => void): void;
}

export interface HostPoolOptions extends PoolOptions {
  readonly spawnWorker: () => WorkerHandle;
  /** The host's default size (cores − 1, at least 1). */
  readonly defaultSize: number;
}

const DEFAULT_MAX_BATCH = 16;
const DEFAULT_CACHE_BYTES = 256 * 1024 * 1024;

interface LoadedModel {
  readonly summary: ModelSummary;
  readonly packed: PackedModel;
  /** Prefix of every cache key: the files' digest and how they were opened. */
  readonly key: string;
  readonly version: number;
}

interface Job {
  readonly generation: number;
  readonly settingsKey: string;
  readonly settings: GallerySettings;
  readonly layer: string;
  readonly neurons: readonly number[];
  /** Times a worker died while running it. */
  deaths: number;
}

interface Slot {
  thread: ModuleThread<WorkerApi> | null;
  state: 'starting' | 'idle' | 'busy' | 'dead';
  job: Job | null;
  modelVersion: number;
  /** Serialises model loads into this worker. */
  sync: Promise<void>;
  /** Rejects when the worker dies, so calls to it never hang. */
  readonly death: Promise<never>;
  die(reason: string): void;
  readonly handle: WorkerHandle;
}

interface Run {
  readonly generation: number;
  readonly settings: GallerySettings;
  readonly key: string;
  readonly queue: NeuronQueue;
  readonly layers: { id: string; done: number; failed: number; total: number }[];
  readonly layerIndex: Map<string, number>;
  /** Neurons computed by workers in this run, and when the first job went out: the ETA's throughput. */
  computed: number;
  firstDispatch: number | null;
  retries: Job[];
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

/** A call to a worker that rejects, instead of hanging, if the worker dies meanwhile. */
function guarded<T>(slot: Slot, call: (thread: ModuleThread<WorkerApi>) => Promise<T>): Promise<T> {
  if (!slot.thread || slot.state === 'dead') return Promise.reject(new Error('the worker is not running'));
  return Promise.race([call(slot.thread), slot.death]);
}

function asError(e: unknown): Error {
  if (e instanceof Error) {
    // threads sends errors across as { name, message }: restore the user-facing kind.
    if (e.name === 'ModelError' && !(e instanceof ModelError)) return new ModelError(e.message);
    return e;
  }
  return new Error(String(e));
}

function now(): number {
  return performance.now();
}

/**
 * The pool (see api.ts for the contract). Its own scheduler over threads' spawn(): threads'
 * Pool queues tasks first-in first-out on a fixed set of workers, and offers neither
 * priorities, nor loading a model into every worker, nor replacing a worker that died.
 */
export class WorkerPool implements GalleryPool {
  private readonly slots: Slot[] = [];
  private readonly cache: ResultCache;
  private readonly maxBatch: number;
  private readonly share: boolean;
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
  /** Workers replaced after dying, over the pool's life. */
  replacedWorkers = 0;
  /** Jobs sent to workers, over the pool's life (retries included). */
  jobsDispatched = 0;

  constructor(private readonly options: HostPoolOptions) {
    const size = options.size ?? options.defaultSize;
    if (!Number.isInteger(size) || size < 1) throw new Error(`pool size must be a whole number ≥ 1, got ${size}`);
    this.maxBatch = Math.max(1, Math.floor(options.maxBatch ?? DEFAULT_MAX_BATCH));
    this.cache = new ResultCache(options.cacheBytes ?? DEFAULT_CACHE_BYTES);
    this.share = (options.shareWeights ?? true) && canShareMemory();
    for (let i = 0; i < size; i++) this.slots.push(this.startSlot());
  }

  private startSlot(): Slot {
    let die!: (reason: string) => void;
    const death = new Promise<never>((_, reject) => {
      die = (reason) => reject(new Error(`the worker died (${reason})`));
    });
    death.catch(() => undefined);
    const handle = this.options.spawnWorker();
    const slot: Slot = { thread: null, state: 'starting', job: null, modelVersion: 0, sync: Promise.resolve(), death, die, handle };
    handle.onDeath((reason) => this.onDeath(slot, reason));
    const ready = Promise.race([spawn<WorkerApi>(handle.worker), death]);
    slot.sync = ready.then(
      async (thread) => {
        slot.thread = thread;
        if (this.terminated) return void (await Thread.terminate(thread));
        await this.syncModel(slot);
        if (slot.state === 'starting') slot.state = 'idle';
        this.schedule();
      },
      (e: unknown) => {
        // A worker that cannot even start is not replaced (it would fail the same way).
        if (slot.state !== 'dead') {
          slot.state = 'dead';
          this.errors.emit({ layer: '', neurons: [], message: `a worker failed to start: ${asError(e).message}`, generation: this.generation });
        }
      },
    ).catch(() => undefined);
    return slot;
  }

  /** Loads the current model into a worker that does not have it yet. */
  private async syncModel(slot: Slot): Promise<void> {
    while (this.model && slot.modelVersion !== this.model.version && slot.state !== 'dead') {
      const model = this.model;
      await guarded(slot, (t) => t.adopt(model.packed));
      slot.modelVersion = model.version;
    }
  }

  private ensureModel(slot: Slot): Promise<void> {
    const next = slot.sync.then(async () => {
      await this.syncModel(slot);
      this.schedule();
    });
    slot.sync = next.catch(() => undefined);
    return next;
  }

  private onDeath(slot: Slot, reason: string): void {
    if (slot.state === 'dead' || this.terminated) return;
    const started = slot.state !== 'starting';
    slot.state = 'dead';
    slot.die(reason);
    if (slot.thread) Thread.terminate(slot.thread).catch(() => undefined);
    if (!started) {
      // Not replaced: a worker that cannot start would fail the same way again and again.
      this.errors.emit({ layer: '', neurons: [], message: `a worker failed to start (${reason})`, generation: this.generation });
      return;
    }
    const index = this.slots.indexOf(slot);
    if (index >= 0) {
      this.replacedWorkers++;
      this.slots[index] = this.startSlot();
    }
    const job = slot.job;
    slot.job = null;
    const run = this.current;
    if (!job || !run || job.generation !== run.generation) return;
    job.deaths++;
    if (job.deaths < 2) {
      run.retries.push(job);
    } else {
      this.failJob(run, job, `the worker died twice computing these neurons (${reason})`);
    }
    this.schedule();
  }

  async load(files: readonly InputFile[], options: LoadOptions = {}): Promise<ModelSummary> {
    return this.loadWith(async () => {
      const opener = await this.liveSlot();
      const opened = await guarded(opener, (t) => t.open(files, { ...options, share: this.share })).catch((e: unknown) => {
        throw asError(e);
      });
      return { ...opened, opener, orientation: options.orientation };
    });
  }

  /**
   * Loads a model packed elsewhere (pool/graph-load.ts packs a hand-built Graph on the
   * caller's thread: for Node tools and tests, not for a UI thread).
   */
  loadPacked(summary: ModelSummary, packed: PackedModel): Promise<ModelSummary> {
    return this.loadWith(async () => ({ summary, packed }));
  }

  private async loadWith(open: () => Promise<{ summary: ModelSummary; packed: PackedModel; opener?: Slot; orientation?: string }>): Promise<ModelSummary> {
    this.assertAlive();
    this.cancel();
    const token = ++this.loadToken;
    this.loading++;
    try {
      const opened = await open();
      if (token !== this.loadToken) {
        // The opener now holds a model the pool does not use: make it load the current one again.
        if (opened.opener) {
          opened.opener.modelVersion = -1;
          this.ensureModel(opened.opener).catch(() => undefined);
        }
        throw new Error('superseded by a newer load');
      }
      const version = ++this.modelVersion;
      const shape = opened.summary.inputShape.join(',');
      this.model = { summary: opened.summary, packed: opened.packed, key: `${opened.summary.digest}|${shape}|${opened.orientation ?? ''}|${opened.summary.inputLayout}`, version };
      // The worker that opened the files already runs the packed model.
      if (opened.opener) opened.opener.modelVersion = version;
      await Promise.all(this.slots.map((s) => (s.state === 'dead' ? undefined : this.ensureModel(s).catch(() => undefined))));
      if (token !== this.loadToken) throw new Error('superseded by a newer load');
      return opened.summary;
    } finally {
      this.loading--;
    }
  }

  /** A worker that is (or is about to be) running, waiting for it to start. */
  private async liveSlot(): Promise<Slot> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const slot = this.slots.find((s) => s.state !== 'dead');
      if (!slot) break;
      await slot.sync;
      if (slot.state !== 'dead' && slot.thread) return slot;
    }
    throw new Error('no worker could be started');
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
    const generation = this.generation;
    const key = settingsKey(model.key, settings);
    // Modes that are no reversal (ascent) have nothing to reuse between their layers.
    const limit = options.neuronLimit ?? Infinity;
    const counts = chosen.map((id) => ({
      id,
      neurons: Math.min(limit, settings.objective.kind === 'direction' ? 1 : known.get(id)!.neurons),
      reuses: modeById(settings.mode).reusesKnown ? known.get(id)!.reuses : [],
    }));
    const queue = new NeuronQueue(counts, this.maxBatch);
    const run: Run = {
      generation,
      settings,
      key,
      queue,
      layers: counts.map((c) => ({ id: c.id, done: 0, failed: 0, total: c.neurons })),
      layerIndex: new Map(counts.map((c, i) => [c.id, i])),
      computed: 0,
      firstDispatch: null,
      retries: [],
    };
    this.current = run;

    const cached: PoolResult[] = [];
    const inputShape = model.summary.inputShape;
    for (const { id, neurons } of counts) {
      const hits: ResultRow[] = [];
      for (let n = 0; n < neurons; n++) {
        const hit = this.cache.get(key, id, n);
        if (hit) {
          queue.markTaken(id, n);
          queue.markDone(id, n);
          hits.push(hit);
        }
      }
      if (hits.length > 0) cached.push({ ...gatherRows(id, inputShape, hits), generation });
    }
    queueMicrotask(() => {
      if (this.current !== run) return;
      if (cached.length > 0) this.deliver(run, cached);
      else this.progressEvents.emit(this.progress());
      this.schedule();
    });
    return generation;
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
    const model = this.model;
    if (!run || !model || this.terminated) return;
    for (const slot of this.slots) {
      if (slot.state !== 'idle' || slot.modelVersion !== model.version) continue;
      const job = this.nextJob(run);
      if (!job) return;
      this.dispatch(slot, run, job);
    }
  }

  private nextJob(run: Run): Job | null {
    const retry = run.retries.shift();
    if (retry) return retry;
    const batch = run.queue.next(this.slots.length);
    if (!batch) return null;
    return { generation: run.generation, settingsKey: run.key, settings: run.settings, layer: batch.layer, neurons: batch.neurons, deaths: 0 };
  }

  private dispatch(slot: Slot, run: Run, job: Job): void {
    slot.state = 'busy';
    slot.job = job;
    this.jobsDispatched++;
    run.firstDispatch ??= now();
    const fault = this.takeFault(job.layer, job.neurons);
    const known = this.knownRows(run, job);
    guarded(slot, (t) => t.compute({ layer: job.layer, neurons: job.neurons, settings: job.settings, fault, ...(known.length > 0 ? { known } : {}) })).then(
      (result) => this.onJobDone(slot, job, result),
      (e: unknown) => this.onJobFailed(slot, job, e),
    );
  }

  /** The cached results of the layers the job's layer reuses, for the same neurons (engine/reuse.ts). */
  private knownRows(run: Run, job: Job): KnownRows[] {
    const sources = run.queue.sourcesOf(job.layer);
    const out: KnownRows[] = [];
    for (const source of sources) {
      const hits = job.neurons.map((n) => this.cache.get(job.settingsKey, source, n)).filter((h): h is ResultRow => !!h);
      if (hits.length === 0) continue;
      const { neurons, norms, xstar } = gatherRows(source, this.model!.summary.inputShape, hits);
      out.push({ layer: source, neurons, norms, xstar });
    }
    return out;
  }

  private release(slot: Slot, job: Job): boolean {
    if (slot.job !== job || slot.state !== 'busy') return false;
    slot.job = null;
    slot.state = 'idle';
    return true;
  }

  private onJobDone(slot: Slot, job: Job, result: LayerResult): void {
    if (!this.release(slot, job)) return;
    // A result is right for its settings whatever the generation: cache even stale ones.
    this.cache.set(job.settingsKey, result);
    const run = this.current;
    if (run && run.generation === job.generation) {
      run.computed += result.neurons.length;
      this.deliver(run, [{ ...result, generation: run.generation }]);
    }
    this.schedule();
  }

  private onJobFailed(slot: Slot, job: Job, e: unknown): void {
    // A death is handled by onDeath (the job is retried there).
    if (!this.release(slot, job)) return;
    const run = this.current;
    if (run && run.generation === job.generation) this.failJob(run, job, asError(e).message);
    this.schedule();
  }

  private failJob(run: Run, job: Job, message: string): void {
    for (const n of job.neurons) run.queue.markDone(job.layer, n);
    const layer = run.layers[run.layerIndex.get(job.layer)!];
    layer.failed += job.neurons.length;
    this.errors.emit({ layer: job.layer, neurons: [...job.neurons], message, generation: run.generation });
    this.progressEvents.emit(this.progress());
  }

  private deliver(run: Run, results: readonly PoolResult[]): void {
    for (const r of results) {
      run.layers[run.layerIndex.get(r.layer)!].done += r.neurons.length;
      for (const n of r.neurons) run.queue.markDone(r.layer, n);
    }
    for (const r of results) this.results.emit(r);
    this.progressEvents.emit(this.progress());
  }

  progress(): PoolProgress {
    const run = this.current;
    if (!run) return { generation: this.generation, layers: [], done: 0, failed: 0, total: 0, etaMs: null };
    let done = 0;
    let failed = 0;
    let total = 0;
    const layers: LayerProgress[] = run.layers.map((l) => {
      done += l.done;
      failed += l.failed;
      total += l.total;
      return { layer: l.id, done: l.done + l.failed, failed: l.failed, total: l.total };
    });
    const left = total - done - failed;
    const etaMs = left === 0 ? 0 : run.computed > 0 && run.firstDispatch !== null ? ((now() - run.firstDispatch) / run.computed) * left : null;
    return { generation: run.generation, layers, done: done + failed, failed, total, etaMs };
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
    return this.slots.length;
  }

  /** Whether weights go to the workers in one SharedArrayBuffer. */
  get sharesWeights(): boolean {
    return this.share;
  }

  clearCache(): void {
    this.cache.clear();
  }

  /** Each live worker's own memory (benchmarks; null entries where the host does not tell). */
  async workerMemory(): Promise<(WorkerMemory | null)[]> {
    const live = this.slots.filter((s) => s.state === 'idle' || s.state === 'busy');
    return Promise.all(live.map((s) => guarded(s, (t) => t.memory()).catch(() => null)));
  }

  /** Results held by the cache (for tests and the UI's memory display). */
  cachedResults(): number {
    return this.cache.size;
  }

  async terminate(): Promise<void> {
    if (this.terminated) return;
    this.stopRun();
    this.terminated = true;
    await Promise.all(
      this.slots.map(async (slot) => {
        await slot.sync;
        const thread = slot.thread;
        slot.state = 'dead';
        if (thread) await Thread.terminate(thread).catch(() => undefined);
      }),
    );
  }

  private assertAlive(): void {
    if (this.terminated) throw new Error('the pool was terminated');
  }
}

export function createPool(options: HostPoolOptions): WorkerPool {
  return new WorkerPool(options);
}
