/**
 * A pool of its own (one worker) for single neurons and layers computed on demand, so the
 * gallery's run goes on untouched: the comparison's modes (services/compare.ts) and the full
 * rows the app let go (services/rows.ts). Each use is a run of one layer with the wanted
 * neurons put first, cancelled as soon as they are in; uses take turns.
 */
import type { GalleryPool, GallerySettings, LayerResult, LoadOptions } from '../../../workers/pool/api';
import { createBrowserPool } from '../../../workers/pool/browser';
import type { ModelFile } from '../host/index';
import { errorMessage } from '../../../workers/engine/graph';

export interface SideModel {
  readonly files: readonly ModelFile[];
  readonly digest: string;
  readonly options: LoadOptions;
}

let pool: GalleryPool | undefined;
let loaded: string | undefined;
let turn: Promise<unknown> = Promise.resolve();

/** Runs `task` on the side pool, loaded with `model`, after the tasks before it. */
export function onSidePool<T>(model: SideModel, task: (pool: GalleryPool) => Promise<T>): Promise<T> {
  const mine = turn.then(async () => {
    // Results are wanted once: nothing is cached beyond the run.
    pool ??= createBrowserPool({ size: 1, cacheBytes: 0 });
    if (loaded !== model.digest) {
      loaded = undefined;
      await pool.load(model.files, model.options);
      loaded = model.digest;
    }
    return task(pool);
  });
  turn = mine.catch(() => undefined);
  return mine;
}

/**
 * Runs `layer` under `settings` until every one of `neurons` is in: `onRow` gets each one's
 * result and row as it comes. Rejects with the pool's message when a job of them fails.
 */
export function collectNeurons(p: GalleryPool, settings: GallerySettings, layer: string, neurons: readonly number[], onRow: (result: LayerResult, row: number) => void): Promise<void> {
  const wanted = new Set(neurons);
  return new Promise((resolve, reject) => {
    let generation = -1;
    const stop = (): void => {
      offResult();
      offError();
      p.cancel();
    };
    const offResult = p.onResult((r) => {
      if (r.generation !== generation || r.layer !== layer) return;
      r.neurons.forEach((n, row) => {
        if (!wanted.delete(n)) return;
        onRow(r, row);
      });
      if (wanted.size === 0) {
        stop();
        resolve();
      }
    });
    const offError = p.onError((e) => {
      if (e.generation === generation && (e.layer === '' || (e.layer === layer && e.neurons.some((n) => wanted.has(n))))) {
        stop();
        reject(new Error(e.message));
      }
    });
    if (wanted.size === 0) {
      stop();
      resolve();
      return;
    }
    try {
      generation = p.run(settings, [layer]);
      p.prioritize(layer, [...wanted]);
    } catch (e) {
      stop();
      reject(e instanceof Error ? e : new Error(errorMessage(e)));
    }
  });
}
