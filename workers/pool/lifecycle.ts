/**
 * Worker lifecycle: spawning the pool's workers, loading the current model into each, and
 * replacing a worker that died or was stopped. Knows nothing of runs or results: what a
 * lost worker was doing goes back to the pool through `onLost`.
 */
import { spawn, Thread, type ModuleThread } from 'threads';
import { errorMessage, ModelError } from '../engine/graph';
import type { PackedModel, WorkerApi } from './protocol';

/** How a host's worker tells the pool it died (Node: 'exit'; browsers: an uncaught 'error'). */
export interface WorkerHandle {
  /** Handed to threads' spawn(): a threads Node Worker or a browser Worker. */
  readonly worker: unknown;
  onDeath(listener: (reason: string) => void): void;
}

export interface Slot<J> {
  thread: ModuleThread<WorkerApi> | null;
  state: 'starting' | 'idle' | 'busy' | 'dead';
  /** The job it runs while busy. */
  job: J | null;
  modelVersion: number;
  /** Serialises model loads into this worker. */
  sync: Promise<void>;
  /** Rejects when the worker dies, so calls to it never hang. */
  readonly death: Promise<never>;
  /** Called with the error when the worker dies (the calls under way: guarded). */
  readonly onDie: Set<(e: Error) => void>;
  die(reason: string): void;
  readonly handle: WorkerHandle;
}

export interface LifecycleHooks<J> {
  /** A worker has the current model and is idle. */
  ready(): void;
  /** A running worker died (or was stopped) and was replaced; `job` is what it was running. */
  lost(job: J | null, reason: string): void;
  /** A worker could not start (it is not replaced: it would fail the same way). */
  startFailed(message: string): void;
}

/** What threads sends across as { name, message }, as the error the user should see. */
export function asError(e: unknown): Error {
  if (e instanceof Error) {
    if (e.name === 'ModelError' && !(e instanceof ModelError)) return new ModelError(e.message);
    return e;
  }
  return new Error(errorMessage(e));
}

/**
 * A call to a worker that rejects, instead of hanging, if the worker dies meanwhile. Not a
 * Promise.race with `slot.death`: each race would leave a reaction on that promise, which
 * lives as long as the worker, holding the race's result: every LayerResult the worker ever
 * sent stayed reachable (issue 18: the CLI's main thread grew by each x* it received).
 */
export function guarded<J, T>(slot: Slot<J>, call: (thread: ModuleThread<WorkerApi>) => Promise<T>): Promise<T> {
  const thread = slot.thread;
  if (!thread || slot.state === 'dead') return Promise.reject(new Error('the worker is not running'));
  return new Promise<T>((resolve, reject) => {
    slot.onDie.add(reject);
    call(thread).then(resolve, reject).finally(() => slot.onDie.delete(reject));
  });
}

export class WorkerSlots<J> {
  readonly slots: Slot<J>[] = [];
  private model: { readonly version: number; readonly packed: PackedModel } | null = null;
  private terminated = false;
  /** Workers replaced after dying, over the pool's life. */
  replaced = 0;

  constructor(size: number, private readonly spawnWorker: () => WorkerHandle, private readonly hooks: LifecycleHooks<J>) {
    for (let i = 0; i < size; i++) this.slots.push(this.start());
  }

  private start(): Slot<J> {
    const onDie = new Set<(e: Error) => void>();
    let die!: (reason: string) => void;
    const death = new Promise<never>((_, reject) => {
      die = (reason) => {
        const e = new Error(`the worker died (${reason})`);
        reject(e);
        for (const f of [...onDie]) f(e);
      };
    });
    death.catch(() => undefined);
    const handle = this.spawnWorker();
    const slot: Slot<J> = { thread: null, state: 'starting', job: null, modelVersion: 0, sync: Promise.resolve(), death, onDie, die, handle };
    handle.onDeath((reason) => this.onDeath(slot, reason));
    const ready = Promise.race([spawn<WorkerApi>(handle.worker), death]);
    slot.sync = ready.then(
      async (thread) => {
        slot.thread = thread;
        if (this.terminated) return void (await Thread.terminate(thread));
        await this.syncModel(slot);
        if (slot.state === 'starting') slot.state = 'idle';
        this.hooks.ready();
      },
      (e: unknown) => {
        if (slot.state !== 'dead') {
          slot.state = 'dead';
          this.hooks.startFailed(`a worker failed to start: ${asError(e).message}`);
        }
      },
    ).catch(() => undefined);
    return slot;
  }

  /** Loads the current model into a worker that does not have it yet. */
  private async syncModel(slot: Slot<J>): Promise<void> {
    while (this.model && slot.modelVersion !== this.model.version && slot.state !== 'dead') {
      const model = this.model;
      await guarded(slot, (t) => t.adopt(model.packed));
      slot.modelVersion = model.version;
    }
  }

  /** After a worker's pending loads, the current model into it. */
  ensureModel(slot: Slot<J>): Promise<void> {
    const next = slot.sync.then(async () => {
      await this.syncModel(slot);
      this.hooks.ready();
    });
    slot.sync = next.catch(() => undefined);
    return next;
  }

  /**
   * Makes `packed` the model of every worker. `opener`: the worker that packed it, which
   * already runs it. Resolves when every live worker has it.
   */
  async setModel(version: number, packed: PackedModel, opener?: Slot<J>): Promise<void> {
    this.model = { version, packed };
    if (opener) opener.modelVersion = version;
    await Promise.all(this.slots.map((s) => (s.state === 'dead' ? undefined : this.ensureModel(s).catch(() => undefined))));
  }

  /** A worker holds a model the pool does not use (its load was superseded): it loads the current one again. */
  reload(slot: Slot<J>): void {
    slot.modelVersion = -1;
    this.ensureModel(slot).catch(() => undefined);
  }

  /** Idle workers that have the current model. */
  idle(): Slot<J>[] {
    return this.slots.filter((s) => s.state === 'idle' && this.model !== null && s.modelVersion === this.model.version);
  }

  /** Live workers (idle or busy). */
  live(): Slot<J>[] {
    return this.slots.filter((s) => s.state === 'idle' || s.state === 'busy');
  }

  /** A worker that is (or is about to be) running, waiting for it to start. */
  async anyLive(): Promise<Slot<J>> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const slot = this.slots.find((s) => s.state !== 'dead');
      if (!slot) break;
      await slot.sync;
      if (slot.state !== 'dead' && slot.thread) return slot;
    }
    throw new Error('no worker could be started');
  }

  /** Stops a worker that does not answer (a job past its time): it is replaced like one that died. */
  stop(slot: Slot<J>, reason: string): void {
    this.onDeath(slot, reason);
  }

  private onDeath(slot: Slot<J>, reason: string): void {
    if (slot.state === 'dead' || this.terminated) return;
    const started = slot.state !== 'starting';
    slot.state = 'dead';
    slot.die(reason);
    if (slot.thread) Thread.terminate(slot.thread).catch(() => undefined);
    if (!started) {
      // Not replaced: a worker that cannot start would fail the same way again and again.
      this.hooks.startFailed(`a worker failed to start (${reason})`);
      return;
    }
    const index = this.slots.indexOf(slot);
    if (index >= 0) {
      this.replaced++;
      this.slots[index] = this.start();
    }
    const job = slot.job;
    slot.job = null;
    this.hooks.lost(job, reason);
  }

  async terminate(): Promise<void> {
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
}
