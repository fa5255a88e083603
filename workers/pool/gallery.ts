import type { GallerySettings } from '../engine/compute';
import { joinResults, type LayerResult } from '../engine/layer-result';
import type { GalleryOutcome, GalleryPool, PoolError, PoolProgress, RunOptions } from './api';

/**
 * Runs a whole gallery on the pool and resolves once every neuron is delivered or failed
 * (the CLI's `--workers N`). Results come one per layer, layers in the run's order, rows in
 * neuron order. Rejects if the run is cancelled or replaced by another run before it completes.
 * With `onLayer`, each layer is handed over as soon as it is complete, as the results the
 * pool delivered (not joined), and not kept: a gallery of a large model is never held whole
 * (issue 18); the outcome then holds no results. With `keep` too, each delivered result goes
 * through it at once, and only what it returns waits for the layer to complete (the CLI writes
 * the rows and keeps the statistics).
 */
export function computeGallery(
  pool: GalleryPool,
  settings: GallerySettings,
  layers?: readonly string[],
  onProgress?: (progress: PoolProgress) => void,
  options: RunOptions = {},
  onLayer?: (layer: string, parts: readonly LayerResult[]) => void,
  keep: (result: LayerResult) => LayerResult = (result) => result,
): Promise<GalleryOutcome> {
  return new Promise<GalleryOutcome>((resolve, reject) => {
    const byLayer = new Map<string, LayerResult[]>();
    const errors: PoolError[] = [];
    let generation = -1;
    const stop = (): void => {
      offResult();
      offError();
      offProgress();
    };
    const offResult = pool.onResult((r) => {
      if (r.generation !== generation) return;
      let list = byLayer.get(r.layer);
      if (!list) byLayer.set(r.layer, (list = []));
      list.push(keep(r));
    });
    const offError = pool.onError((e) => {
      if (e.generation === generation) errors.push(e);
    });
    const offProgress = pool.onProgress((p) => {
      if (p.generation !== generation) {
        if (p.generation > generation && generation >= 0) {
          stop();
          reject(new Error('the gallery run was cancelled'));
        }
        return;
      }
      onProgress?.(p);
      if (onLayer) {
        for (const l of p.layers) {
          const list = l.done === l.total ? byLayer.get(l.layer) : undefined;
          if (!list) continue;
          byLayer.delete(l.layer);
          onLayer(l.layer, list);
        }
      }
      if (p.done === p.total) {
        stop();
        // Layers come back in any order (a layer that reuses another waits for it): give them in the run's.
        const results = new Map<string, LayerResult>();
        for (const l of p.layers) {
          const parts = byLayer.get(l.layer);
          if (parts) results.set(l.layer, joinResults(l.layer, parts[0].inputShape, parts));
        }
        resolve({ results, errors });
      }
    });
    try {
      generation = pool.run(settings, layers, options);
    } catch (e) {
      stop();
      reject(e);
    }
  });
}
