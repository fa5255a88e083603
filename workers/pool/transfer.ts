/**
 * Result transfer: what a job's worker sent goes into the cache whole and out to the
 * listeners as it is (no per-neuron repacking); runs take what the cache holds, and jobs
 * take the cached results of the layers they reuse.
 */
import { gatherRows, type LayerResult, type ResultRow } from '../engine/layer-result';
import type { PoolResult } from './api';
import { ResultCache } from './cache';
import type { KnownRows } from './protocol';
import { isShared } from './reuse-hold';
import type { Job, Run, RunLayer } from './run';

export class ResultTransfer {
  private readonly cache: ResultCache;

  constructor(cacheBytes: number) {
    this.cache = new ResultCache(cacheBytes);
  }

  /** The cached results of a new run, one per layer, their neurons taken from its queue. */
  cached(run: Run, layers: readonly RunLayer[], inputShape: readonly number[]): PoolResult[] {
    const out: PoolResult[] = [];
    for (const { id, neurons } of layers) {
      const hits: ResultRow[] = [];
      for (let n = 0; n < neurons; n++) {
        const hit = this.cache.get(run.key, id, n);
        if (hit) {
          run.queue.markTaken(id, n);
          run.queue.markDone(id, n);
          hits.push(hit);
        }
      }
      if (hits.length > 0) out.push({ ...gatherRows(id, inputShape, hits), generation: run.generation });
    }
    return out;
  }

  /**
   * The results of the layers the job's layer reuses (engine/reuse.ts), held by the run or
   * cached: for the same neurons, or all of them where it reuses densely.
   */
  knownRows(run: Run, job: Job, inputShape: readonly number[]): KnownRows[] {
    const out: KnownRows[] = [];
    const { same, all } = run.queue.sourcesOf(job.layer);
    const wanted = [...same.map((source) => ({ source, neurons: job.neurons })), ...all.map((source) => ({ source, neurons: run.neuronsOf(source) }))];
    for (const { source, neurons: asked } of wanted) {
      const hits = asked.map((n) => run.hold.get(source, n) ?? this.cache.get(job.settingsKey, source, n)).filter((h): h is ResultRow => !!h);
      // Results held in shared memory go as they are (by reference: no copy per job); the other rows are gathered (copied).
      const shared = new Set(hits.filter((h) => isShared(h.result)).map((h) => h.result));
      for (const { neurons, norms, xstar, activations } of shared) out.push({ layer: source, neurons, norms, xstar, activations });
      const copied = hits.filter((h) => !shared.has(h.result));
      if (copied.length === 0) continue;
      const { neurons, norms, xstar, activations } = gatherRows(source, inputShape, copied);
      out.push({ layer: source, neurons, norms, xstar, activations });
    }
    return out;
  }

  /** A job's result, cached whatever its generation (it is right for its settings), as delivered. */
  received(job: Job, result: LayerResult): PoolResult {
    this.cache.set(job.settingsKey, result);
    return { ...result, generation: job.generation };
  }

  clear(): void {
    this.cache.clear();
  }

  /** Neurons whose results are cached. */
  get size(): number {
    return this.cache.size;
  }
}
