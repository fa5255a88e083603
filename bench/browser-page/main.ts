/**
 * Bench page (bench/browser.ts): the same bench model, the same pool and the same gallery
 * as the Node pool, in Web Workers of a real browser, under the app's Content-Security-Policy.
 */
import type { GalleryMode, GallerySettings } from '../../workers/engine/compute';
import type { Graph } from '../../workers/engine/graph';
import { readModel } from '../../workers/formats/index';
import { createBrowserPool } from '../../workers/pool/browser';
import { computeGallery } from '../../workers/pool/gallery';
import { loadGraph } from '../../workers/pool/graph-load';
import { BENCH_MODELS } from '../models';

export interface BrowserBenchRequest {
  /** A bench model's name, or a model file's URL on the bench site (a file of the speed models). */
  model: string;
  file?: boolean;
  mode?: GalleryMode;
  /** A sample: the first N neurons of each layer. */
  neuronLimit?: number;
  /** Only the first K layers (all when absent). */
  firstLayers?: number;
  workers: number;
}

export interface BrowserBenchAnswer {
  seconds: number;
  neurons: number;
  crossOriginIsolated: boolean;
}

async function graphOf(request: BrowserBenchRequest): Promise<Graph> {
  if (!request.file) return BENCH_MODELS[request.model]().graph;
  const bytes = new Uint8Array(await (await fetch(request.model)).arrayBuffer());
  return readModel([{ name: request.model.split('/').pop()!, bytes }]);
}

async function runBench(request: BrowserBenchRequest): Promise<BrowserBenchAnswer> {
  const pool = createBrowserPool({ size: request.workers });
  try {
    const summary = await loadGraph(pool, await graphOf(request));
    const settings: GallerySettings = { mode: request.mode ?? 'exact', objective: { kind: 'neuron' }, radius: 1 };
    const run = request.neuronLimit === undefined ? {} : { neuronLimit: request.neuronLimit };
    const layers = summary.layers.slice(0, request.firstLayers ?? summary.layers.length);
    const ids = layers.map((l) => l.id);
    // The same warm-up as the Node side (bench/pool.ts timeGallery): the gallery at another radius (a file's: its first layer).
    await computeGallery(pool, { ...settings, radius: 2 }, request.file ? ids.slice(0, 1) : ids, undefined, run);
    const t0 = performance.now();
    const outcome = await computeGallery(pool, settings, ids, undefined, run);
    const seconds = (performance.now() - t0) / 1000;
    if (outcome.errors.length > 0) throw new Error(outcome.errors[0].message);
    const limit = request.neuronLimit ?? Infinity;
    return { seconds, neurons: layers.reduce((n, l) => n + Math.min(limit, l.neurons), 0), crossOriginIsolated: globalThis.crossOriginIsolated };
  } finally {
    await pool.terminate();
  }
}

(globalThis as { runBench?: typeof runBench }).runBench = runBench;
document.getElementById('status')!.textContent = 'ready';
