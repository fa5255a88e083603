/**
 * Bench page (bench/browser.ts): the same bench model, the same pool and the same gallery
 * as the Node pool, in Web Workers of a real browser, under the app's Content-Security-Policy.
 */
import type { GallerySettings } from '../../workers/engine/compute';
import { createBrowserPool } from '../../workers/pool/browser';
import { computeGallery } from '../../workers/pool/gallery';
import { loadGraph } from '../../workers/pool/graph-load';
import { BENCH_MODELS } from '../models';

export interface BrowserBenchRequest {
  model: string;
  /** Only the first K layers (all when absent). */
  firstLayers?: number;
  workers: number;
}

export interface BrowserBenchAnswer {
  seconds: number;
  neurons: number;
  crossOriginIsolated: boolean;
}

const EXACT: GallerySettings = { mode: 'exact', objective: { kind: 'neuron' }, radius: 1 };

async function runBench(request: BrowserBenchRequest): Promise<BrowserBenchAnswer> {
  const pool = createBrowserPool({ size: request.workers });
  try {
    const summary = await loadGraph(pool, BENCH_MODELS[request.model]().graph);
    const layers = summary.layers.slice(0, request.firstLayers ?? summary.layers.length);
    const ids = layers.map((l) => l.id);
    // The same warm-up as the Node side (bench/pool.ts timeGallery): the whole gallery at another radius.
    await computeGallery(pool, { ...EXACT, radius: 2 }, ids);
    const t0 = performance.now();
    const outcome = await computeGallery(pool, EXACT, ids);
    const seconds = (performance.now() - t0) / 1000;
    if (outcome.errors.length > 0) throw new Error(outcome.errors[0].message);
    return { seconds, neurons: layers.reduce((n, l) => n + l.neurons, 0), crossOriginIsolated: globalThis.crossOriginIsolated };
  } finally {
    await pool.terminate();
  }
}

(globalThis as { runBench?: typeof runBench }).runBench = runBench;
document.getElementById('status')!.textContent = 'ready';
