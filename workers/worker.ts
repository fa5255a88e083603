/**
 * The one worker module: the engine behind `threads`' expose(), the same file in Node
 * worker_threads (bundled to dist/node/worker.js) and in browser module workers (bundled
 * by Vite from pool/browser.ts). Holds one prepared model, loaded once per model.
 */
import { Observable } from 'threads/observable';
import { expose, Transfer } from 'threads/worker';
import { computeNeurons, type GallerySettings } from './engine/compute';
import { prepare, type PreparedModel } from './engine/prepare';
import { readModel } from './formats/index';
import type { InputFile } from './formats/types';
import { digestFiles } from './pool/digest';
import { canShareMemory, packModel } from './pool/pack';
import { summarize } from './pool/summary';
import { knownFromParts, type KnownReversals } from './engine/reuse';
import { setMemoryBudget } from './engine/budget';
import { resultBuffers } from './engine/layer-result';
import { STEPS_INTERVAL_MS, type ComputeRequest, type JobMessage, type KnownRows, type Opened, type OpenOptions, type PackedModel, type WorkerMemory } from './pool/protocol';

let model: PreparedModel | null = null;
let lastReference: Float32Array | undefined;

function sameValues(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/**
 * Every job brings its own copy of the reference input; handing the engine the same array
 * object as last time lets it reuse the forward pass it cached for that reference.
 */
function withStableReference(settings: GallerySettings): GallerySettings {
  const reference = settings.reference;
  if (!reference) return settings;
  if (lastReference && sameValues(lastReference, reference)) return { ...settings, reference: lastReference };
  lastReference = reference;
  return settings;
}

/** The reversals a job brings along, recovered from x* and ‖a‖ when the engine asks. */
function knownFrom(rows: readonly KnownRows[] | undefined): KnownReversals | undefined {
  return rows && rows.length > 0 ? knownFromParts(rows) : undefined;
}

function exitNow(): Promise<never> {
  const host = globalThis as { process?: { exit(code: number): never } };
  if (host.process) host.process.exit(70);
  // Browsers: an uncaught error outside the job is what the pool sees when a worker breaks.
  setTimeout(() => {
    throw new Error('injected fault: the worker exits');
  });
  return new Promise<never>(() => undefined);
}

/**
 * A job's steps as messages: the first, then at most one every STEPS_INTERVAL_MS, and the
 * last. postMessage leaves at once, while the job still runs on this thread.
 */
function stepsReporter(send: (message: JobMessage) => void): (done: number, total: number) => void {
  let last = -Infinity;
  return (done, total) => {
    const now = performance.now();
    if (done < total && now - last < STEPS_INTERVAL_MS) return;
    last = now;
    send({ kind: 'steps', done, total });
  };
}

/** Test-only: a job busy for 3 s that reports a step every 10 ms (past a short time limit, yet alive). */
function crawl(report: (done: number, total: number) => void): void {
  const start = performance.now();
  const total = 300;
  for (let done = 1; done <= total; done++) {
    while (performance.now() - start < done * 10) {
      // spin
    }
    report(done, total);
  }
}

/** Test-only: a worker that never answers again (only terminating it ends this). */
function spinForever(): never {
  for (;;) {
    // spin
  }
}

const api = {
  open(files: InputFile[], options: OpenOptions): Opened {
    if (options.memoryBudget !== undefined) setMemoryBudget(options.memoryBudget);
    const graph = readModel(files, { orientation: options.orientation });
    const prepared = prepare(graph, { inputShape: options.inputShape, inputLayout: options.inputLayout, imageShape: options.imageShape });
    const packed = packModel(prepared, options.share && canShareMemory());
    // This worker computes from the packed model too: every worker runs the very same graph.
    model = prepare(packed.graph);
    lastReference = undefined;
    return { summary: summarize(model, digestFiles(files), packed, prepared.imageShape), packed };
  },

  adopt(packed: PackedModel): void {
    model = prepare(packed.graph);
    lastReference = undefined;
  },

  compute(request: ComputeRequest) {
    if (request.fault === 'exit') return exitNow();
    if (request.fault === 'throw') throw new Error('injected fault: this job fails on purpose');
    if (request.fault === 'spin') spinForever();
    const prepared = model;
    if (!prepared) throw new Error('no model loaded in this worker');
    if (request.memoryBudget !== undefined) setMemoryBudget(request.memoryBudget);
    return new Observable<JobMessage>((observer) => {
      // Not in the subscriber itself: what an Observable emits while it is being subscribed to
      // is held back until the subscriber returns, so the steps would all leave with the result.
      queueMicrotask(() => {
        try {
          const report = stepsReporter((m) => observer.next(m));
          if (request.fault === 'crawl') crawl(report);
          const known = knownFrom(request.known);
          const r = computeNeurons(prepared, request.layer, request.neurons, withStableReference(request.settings), known, report, request.familyResults);
          // threads unwraps the Transfer descriptor of an emitted value as it does a returned one.
          observer.next(Transfer({ kind: 'result', result: r }, resultBuffers(r)) as unknown as JobMessage);
          observer.complete();
        } catch (e) {
          observer.error(e);
        }
      });
    });
  },

  memory(): WorkerMemory | null {
    const host = globalThis as { process?: { memoryUsage(): { heapUsed: number; arrayBuffers: number } } };
    if (!host.process) return null;
    const { heapUsed, arrayBuffers } = host.process.memoryUsage();
    return { heapUsed, arrayBuffers };
  },
};

expose(api);
