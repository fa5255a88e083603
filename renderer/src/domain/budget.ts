/** The estimate before a run in the app (engine/estimate.ts): what the user is asked about. */
import { checkBudget, DEFAULT_TIME_BUDGET_SECONDS, defaultMemoryBudget, describeEstimate, estimateGallery, estimatedMode, type BudgetVerdict, type GalleryEstimate } from '../../../workers/engine/estimate';
import { stepsPerNeuron } from '../../../workers/engine/compute';
import { unionCrop } from '../../../workers/engine/receptive-field';
import { sizeOf } from '../../../workers/engine/tensor';
import { formatBytes } from '../../../workers/engine/budget';
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

/** The budget of this page (its navigator's device memory). */
export function pageBudget(): number {
  const nav = globalThis.navigator as { deviceMemory?: number } | undefined;
  return memoryBudget(nav?.deviceMemory);
}

/** Bytes of full x* rows the app keeps (and the pool caches): an eighth of the memory budget each, unless the user chose. */
export function rowCacheBytes(): number {
  const asked = askedRowCacheBytes();
  return asked ?? Math.round(ROW_CACHE_SHARE * pageBudget());
}

/** The row cache the user chose (Settings), or null for the automatic share. */
export function askedRowCacheBytes(): number | null {
  const stored = globalThis.localStorage?.getItem(ROW_CACHE_KEY);
  const asked = stored === null || stored === undefined || stored.trim() === '' ? NaN : Number(stored);
  return Number.isFinite(asked) && asked >= 0 ? asked : null;
}

/** Where tests ask for a smaller hold of the export (to make it stream a small model). */
const EXPORT_HOLD_KEY = 'neurovis.exportHoldBytes';

/**
 * Bytes of rows an export holds at once (an eighth of the budget): below it the export is made
 * in memory and saved in one request (a zip in a browser); above it, it is written as it is made
 * (workers/export/stream-export.ts), a block of rows of this size at a time.
 */
export function exportHoldBytes(): number {
  const asked = Number(globalThis.localStorage?.getItem(EXPORT_HOLD_KEY) ?? NaN);
  return Number.isFinite(asked) && asked > 0 ? asked : Math.round(ROW_CACHE_SHARE * pageBudget());
}

/** Below this the detail view computes nearly every row again; the app's own cache and the pool's each take it, so at most half the budget. */
export const MIN_ROW_CACHE_BYTES = 1024 ** 2;

/** Why a chosen row-cache size is refused (an i18n key and its parameters), or null when it is fine. */
export function rowCacheProblem(bytes: number, budget: number = pageBudget()): { key: string; params: Record<string, string> } | null {
  const max = Math.floor(budget / 2);
  if (!Number.isFinite(bytes) || bytes < MIN_ROW_CACHE_BYTES || bytes > max) {
    return { key: 'settings.rowCacheInvalid', params: { min: formatBytes(MIN_ROW_CACHE_BYTES), max: formatBytes(max) } };
  }
  return null;
}

/** Keeps the user's row-cache size (null: back to the automatic share); the caller checked it with rowCacheProblem. */
export function setRowCacheBytes(bytes: number | null): void {
  if (bytes === null) globalThis.localStorage?.removeItem(ROW_CACHE_KEY);
  else globalThis.localStorage?.setItem(ROW_CACHE_KEY, String(Math.round(bytes)));
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
