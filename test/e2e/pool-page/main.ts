/**
 * Test page of the worker pool (test/e2e/pool-browser.spec.ts): spawns the pool of
 * workers/pool/browser.ts in this page and computes galleries for the test, which reads
 * back every result as bit patterns.
 */
import type { GallerySettings } from '../../../workers/engine/compute';
import type { ModelSummary } from '../../../workers/pool/api';
import { createBrowserPool } from '../../../workers/pool/browser';
import { computeGallery } from '../../../workers/pool/gallery';
import { xstarRow } from '../../../workers/engine/layer-result';

export interface PageRequest {
  modelUrl: string;
  settings: Omit<GallerySettings, 'reference'> & { reference?: number[] };
  size: number;
  shareWeights?: boolean;
  /** Make the worker running this neuron's job exit once (layer, neuron). */
  crash?: { layer: string; neuron: number };
}

export interface PageAnswer {
  crossOriginIsolated: boolean;
  summary: Pick<ModelSummary, 'digest' | 'inputShape' | 'sharedWeights' | 'weightBytes'> & { layers: string[] };
  /** Per layer, per neuron in order: x* bits, then norm, activation, baseline bits. */
  layers: Record<string, { neurons: number[]; xstar: number[][]; stats: number[][]; dead: boolean[] }>;
  errors: string[];
  replacedWorkers: number;
  poolSize: number;
}

function bits(values: Float32Array): number[] {
  return Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length));
}

async function runGallery(request: PageRequest): Promise<PageAnswer> {
  const pool = createBrowserPool({ size: request.size, shareWeights: request.shareWeights });
  try {
    const response = await fetch(request.modelUrl);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const summary = await pool.load([{ name: request.modelUrl.split('/').pop()!, bytes }]);
    const { reference, ...rest } = request.settings;
    const settings: GallerySettings = { ...rest, ...(reference ? { reference: Float32Array.from(reference) } : {}) };
    if (request.crash) pool.injectFault('exit', request.crash.layer, request.crash.neuron, 1);
    const outcome = await computeGallery(pool, settings);
    const layers: PageAnswer['layers'] = {};
    for (const [id, r] of outcome.results) {
      layers[id] = {
        neurons: [...r.neurons],
        xstar: r.neurons.map((_, i) => bits(xstarRow(r, i))),
        stats: r.neurons.map((_, i) => bits(Float32Array.of(r.norms[i], r.activations[i], r.baselines[i]))),
        dead: Array.from(r.dead, (d) => d === 1),
      };
    }
    return {
      crossOriginIsolated: globalThis.crossOriginIsolated,
      summary: {
        digest: summary.digest,
        inputShape: summary.inputShape,
        sharedWeights: summary.sharedWeights,
        weightBytes: summary.weightBytes,
        layers: summary.layers.map((l) => l.id),
      },
      layers,
      errors: outcome.errors.map((e) => e.message),
      replacedWorkers: pool.replacedWorkers,
      poolSize: pool.size(),
    };
  } finally {
    await pool.terminate();
  }
}

(globalThis as { runGallery?: typeof runGallery }).runGallery = runGallery;
document.getElementById('status')!.textContent = 'ready';

import { allNeurons, computeNeurons } from '../../../workers/engine/compute';
import { prepare } from '../../../workers/engine/prepare';
import { knownFromResults } from '../../../workers/engine/reuse';
import { readModel } from '../../../workers/formats/index';

/** The single-threaded engine on this page's main thread, for comparison. */
async function engineGallery(request: PageRequest): Promise<PageAnswer['layers']> {
  const bytes = new Uint8Array(await (await fetch(request.modelUrl)).arrayBuffer());
  const model = prepare(readModel([{ name: request.modelUrl.split('/').pop()!, bytes }]));
  const { reference, ...rest } = request.settings;
  const settings: GallerySettings = { ...rest, ...(reference ? { reference: Float32Array.from(reference) } : {}) };
  const layers: PageAnswer['layers'] = {};
  // Layers in order, each offered the results before it, as the pool offers them (engine/reuse.ts).
  const results = new Map<string, ReturnType<typeof computeNeurons>>();
  const known = knownFromResults(results);
  for (const layer of model.layers) {
    const neurons = allNeurons(model, layer.id, settings.objective);
    const r = computeNeurons(model, layer.id, neurons, settings, settings.mode === 'ascent' ? undefined : known);
    results.set(layer.id, r);
    const size = r.xstar.length / neurons.length;
    layers[layer.id] = {
      neurons,
      xstar: neurons.map((_, i) => bits(r.xstar.subarray(i * size, (i + 1) * size))),
      stats: neurons.map((_, i) => bits(Float32Array.of(r.norms[i], r.activations[i], r.baselines[i]))),
      dead: neurons.map((_, i) => r.dead[i] === 1),
    };
  }
  return layers;
}
(globalThis as { engineGallery?: typeof engineGallery }).engineGallery = engineGallery;
