/** The estimate before a run in the app (engine/estimate.ts): what the user is asked about. */
import { checkBudget, DEFAULT_TIME_BUDGET_SECONDS, defaultMemoryBudget, describeEstimate, estimateGallery, estimatedMode, type BudgetVerdict, type GalleryEstimate } from '../../../workers/engine/estimate';
import { stepsPerNeuron } from '../../../workers/engine/compute';
import { unionCrop } from '../../../workers/engine/receptive-field';
import { sizeOf } from '../../../workers/engine/tensor';
import { thumbnailDrawing } from '../../../workers/imaging/input-layout';
import { thumbGeometry } from '../../../workers/imaging/thumb-source';
import type { GallerySettings, ModelSummary } from '../../../workers/pool/api';
import { keptBytesPerNeuron } from './layer-data';

/** Memory a page may plan on: a quarter of the device's (Chromium's navigator.deviceMemory, in GB; 4 GB when unknown), at most 2 GB as in the CLI. */
export function memoryBudget(deviceMemoryGb: number | undefined): number {
  return defaultMemoryBudget((deviceMemoryGb ?? 4) * 1024 ** 3);
}

/** Where a smaller cache of full rows can be asked for (tests make the app evict with it). */
const ROW_CACHE_KEY = 'neurovis.rowCacheBytes';
/** The share of the memory budget the full rows may take (domain/row-cache.ts), and as much again the pool's cache of results. */
const ROW_CACHE_SHARE = 1 / 8;

/** Bytes of full x* rows the app keeps (and the pool caches): an eighth of the memory budget each. */
export function rowCacheBytes(): number {
  const asked = Number(globalThis.localStorage?.getItem(ROW_CACHE_KEY) ?? NaN);
  if (Number.isFinite(asked) && asked >= 0) return asked;
  const nav = globalThis.navigator as { deviceMemory?: number } | undefined;
  return Math.round(ROW_CACHE_SHARE * memoryBudget(nav?.deviceMemory));
}

export interface RunEstimate {
  readonly estimate: GalleryEstimate;
  readonly verdict: BudgetVerdict;
  /** "12,345 neurons, about 3 min on 2 workers, 120 MB". */
  readonly text: string;
}

export function estimateRun(summary: ModelSummary, layers: readonly string[], settings: GallerySettings, options: { neuronLimit?: number; workers: number; memoryBytes: number }): RunEstimate {
  const index = new Map(summary.layers.map((l, i) => [l.id, i]));
  const costs = layers.map((id) => {
    const i = index.get(id)!;
    return { id, neurons: settings.objective.kind === 'direction' ? 1 : summary.layers[i].neurons, flopsPerNeuron: summary.layerFlops[i], ascends: summary.layerAscends?.[i], work: summary.layerWork?.[i] };
  });
  const estimate = estimateGallery(costs, sizeOf(summary.inputShape), {
    neuronLimit: options.neuronLimit,
    workers: options.workers,
    mode: estimatedMode(settings),
    ascentSteps: stepsPerNeuron(settings),
    ascentStyle: settings.ascent?.style,
  });
  const held = heldByTheApp(summary, estimate, settings, options.memoryBytes);
  const verdict = checkBudget(held, { seconds: DEFAULT_TIME_BUDGET_SECONDS, bytes: options.memoryBytes });
  return { estimate: held, verdict, text: describeEstimate(held, options.workers) };
}

/**
 * The app's memory (issue 18): of each x* only what its thumbnail draws (domain/layer-data.ts),
 * and full rows within two fixed shares of the budget (the row cache and the pool's), not every row.
 */
function heldByTheApp(summary: ModelSummary, estimate: GalleryEstimate, settings: GallerySettings, budget: number): GalleryEstimate {
  const infos = new Map(summary.layers.map((l) => [l.id, l]));
  const layers = estimate.layers.map((l) => {
    const info = infos.get(l.id)!;
    const geometry = thumbGeometry(thumbnailDrawing(summary, unionCrop(info.crops, settings.objective.kind)));
    return { ...l, bytes: l.neurons * keptBytesPerNeuron(geometry) };
  });
  const rowBytes = Math.min(2 * ROW_CACHE_SHARE * budget, estimate.bytes);
  return { ...estimate, layers, bytes: layers.reduce((b, l) => b + l.bytes, 0) + rowBytes };
}
