import type { GallerySettings } from '../engine/compute';
import type { GalleryOutcome, GalleryPool, NeuronResult, PoolProgress, RunOptions } from './api';

/**
 * Runs a whole gallery on the pool and resolves once every neuron is delivered or failed
 * (the CLI's `--workers N`). Results come per layer, layers in the run's order, neurons in order. Rejects if the run is
 * cancelled or replaced by another run before it completes.
 * With `onLayer`, each layer is handed over (neurons in order) as soon as it is complete and
 * not kept: a gallery of a large model is never held whole (issue 18); the outcome then
 * holds no results.
 */
export function computeGallery(
  pool: GalleryPool,
  settings: GallerySettings,
  layers?: readonly string[],
  onProgress?: (progress: PoolProgress) => void,
  options: RunOptions = {},
  onLayer?: (layer: string, results: NeuronResult[]) => void,
): Promise<GalleryOutcome> {
  return new Promise<GalleryOutcome>((resolve, reject) => {
    const byLayer = new Map<string, NeuronResult[]>();
    const errors: { layer: string; neurons: readonly number[]; message: string; generation: number }[] = [];
    let generation = -1;
    const stop = (): void => {
      offResult();
      offError();
      offProgress();
    };
    const offResult = pool.onResult((results) => {
      for (const r of results) {
        if (r.generation !== generation) continue;
        let list = byLayer.get(r.layer);
        if (!list) byLayer.set(r.layer, (list = []));
        list.push(r);
      }
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
          onLayer(l.layer, list.sort((a, b) => a.neuron - b.neuron));
        }
      }
      if (p.done === p.total) {
        stop();
        for (const list of byLayer.values()) list.sort((a, b) => a.neuron - b.neuron);
        // Layers come back in any order (a layer that reuses another waits for it): give them in the run's.
        const ordered = new Map(p.layers.filter((l) => byLayer.has(l.layer)).map((l) => [l.layer, byLayer.get(l.layer)!] as const));
        resolve({ results: ordered, errors });
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

/** One layer's results (neuron order) as contiguous arrays: x* rows, norms, activations, baselines, dead flags, and where it was linearised. */
export function layerArrays(results: readonly NeuronResult[]): ReturnType<typeof layerStatistics> & { xstar: Float32Array } {
  const size = results.length > 0 ? results[0].xstar.length : 0;
  const xstar = new Float32Array(results.length * size);
  results.forEach((r, i) => xstar.set(r.xstar, i * size));
  return { xstar, ...layerStatistics(results) };
}

/** layerArrays without the x* rows. */
export function layerStatistics(results: readonly NeuronResult[]): {
  norms: Float32Array;
  activations: Float32Array;
  baselines: Float32Array;
  dead: Uint8Array;
  linearisedAt: readonly string[];
} {
  const norms = new Float32Array(results.length);
  const activations = new Float32Array(results.length);
  const baselines = new Float32Array(results.length);
  const dead = new Uint8Array(results.length);
  results.forEach((r, i) => {
    norms[i] = r.norm;
    activations[i] = r.activation;
    baselines[i] = r.baseline;
    dead[i] = r.dead ? 1 : 0;
  });
  return { norms, activations, baselines, dead, linearisedAt: results[0]?.linearisedAt ?? [] };
}
