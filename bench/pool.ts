import { availableParallelism } from 'node:os';
import type { GallerySettings } from '../workers/engine/compute';
import type { Graph } from '../workers/engine/graph';
import { prepare } from '../workers/engine/prepare';
import { computeGallery } from '../workers/pool/gallery';
import { loadGraph } from '../workers/pool/graph-load';
import { createNodePool } from '../workers/pool/node';
import type { RunOptions } from '../workers/pool/api';
import type { WorkerMemory } from '../workers/pool/protocol';

/**
 * The worker pool's benchmark, called by bench/main.ts (`npm run bench`):
 *
 *   const report = await benchPool(models, { workers: [1, 2] });
 *   markdown += formatPoolBench(report);
 *
 * For each model: the full-gallery time (every neuron of every layer, or of
 * `options.layers(model)`) with 1 and with 2 workers, each pool warmed up first (timeGallery); the speed-up over 1 worker; and memory: each worker's own heap and array
 * buffers with the weights shared (one SharedArrayBuffer) and copied (one per worker),
 * and the process's peak RSS. Runs from the bundles: workers are dist/node/worker.js.
 */
export interface PoolBenchModel {
  readonly name: string;
  readonly graph: Graph;
}

export interface PoolBenchOptions {
  /** Pool sizes to time (default [1, 2]); the first is the speed-up's baseline. */
  readonly workers?: readonly number[];
  readonly settings?: GallerySettings;
  /** Layers to compute (default: all). */
  readonly layers?: (model: PoolBenchModel, layerIds: readonly string[]) => readonly string[];
  /** Path of the worker bundle (default: worker.js beside the running bundle). */
  readonly workerPath?: string;
  readonly log?: (line: string) => void;
}

export interface PoolTiming {
  readonly workers: number;
  readonly seconds: number;
  /** Time of 1 worker ÷ this time. */
  readonly speedup: number;
}

export interface PoolMemory {
  readonly shared: boolean;
  /** Per worker: its own heap + array buffers, in bytes. */
  readonly perWorker: readonly number[];
  /** Bytes of packed weights (held once when shared, once per worker plus once on the main thread when copied). */
  readonly weightBytes: number;
}

export interface PoolBenchResult {
  readonly model: string;
  readonly neurons: number;
  readonly layers: number;
  readonly timings: readonly PoolTiming[];
  readonly memory: readonly PoolMemory[];
  /** Peak resident memory of the whole process (all threads) so far, in bytes. */
  readonly peakRss: number;
  readonly error?: string;
}

export interface PoolBenchReport {
  readonly cores: number;
  readonly results: readonly PoolBenchResult[];
}

const EXACT: GallerySettings = { mode: 'exact', objective: { kind: 'neuron' }, radius: 1 };

function workerBytes(m: WorkerMemory | null): number {
  return m ? m.heapUsed + m.arrayBuffers : Number.NaN;
}

/**
 * Seconds for one gallery on a fresh pool of `size` workers, after a warm-up run at another
 * radius (so nothing is served from the cache): of the whole gallery by default, so the
 * JIT has compiled every path as PyTorch's kernels are compiled ahead of time; of the
 * first layer only with `warmAll` false (long galleries, where compiling is a rounding error).
 */
export async function timeGallery(
  model: PoolBenchModel, size: number, settings: GallerySettings, layers: readonly string[], workerPath?: string, warmAll = true, run: RunOptions = {},
): Promise<number> {
  const pool = createNodePool({ size, workerPath });
  try {
    await loadGraph(pool, model.graph);
    await computeGallery(pool, { ...settings, radius: typeof settings.radius === 'number' ? settings.radius * 2 : 1 }, warmAll ? layers : layers.slice(0, 1), undefined, run);
    const t0 = performance.now();
    const outcome = await computeGallery(pool, settings, layers, undefined, run);
    const seconds = (performance.now() - t0) / 1000;
    if (outcome.errors.length > 0) throw new Error(outcome.errors[0].message);
    return seconds;
  } finally {
    await pool.terminate();
  }
}

async function measureMemory(model: PoolBenchModel, shared: boolean, workerPath?: string): Promise<PoolMemory> {
  const pool = createNodePool({ size: 2, shareWeights: shared, workerPath });
  try {
    const summary = await loadGraph(pool, model.graph);
    const memory = await pool.workerMemory();
    return { shared: summary.sharedWeights, perWorker: memory.map(workerBytes), weightBytes: summary.weightBytes };
  } finally {
    await pool.terminate();
  }
}

export async function benchPool(models: readonly PoolBenchModel[], options: PoolBenchOptions = {}): Promise<PoolBenchReport> {
  const sizes = options.workers ?? [1, 2];
  const settings = options.settings ?? EXACT;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const results: PoolBenchResult[] = [];
  for (const model of models) {
    let prepared;
    try {
      prepared = prepare(model.graph);
    } catch (e) {
      results.push({ model: model.name, neurons: 0, layers: 0, timings: [], memory: [], peakRss: 0, error: e instanceof Error ? e.message : String(e) });
      continue;
    }
    const all = prepared.layers.map((l) => l.id);
    const layers = options.layers ? options.layers(model, all) : all;
    const neurons = prepared.layers.filter((l) => layers.includes(l.id)).reduce((n, l) => n + l.neurons, 0);
    const timings: PoolTiming[] = [];
    let error: string | undefined;
    try {
      for (const size of sizes) {
        const seconds = await timeGallery(model, size, settings, layers, options.workerPath);
        timings.push({ workers: size, seconds, speedup: timings.length > 0 ? timings[0].seconds / seconds : 1 });
        log(`pool ${model.name}: ${size} worker${size > 1 ? 's' : ''} ${seconds.toFixed(2)} s`);
      }
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    const memory: PoolMemory[] = [];
    try {
      memory.push(await measureMemory(model, true, options.workerPath), await measureMemory(model, false, options.workerPath));
    } catch (e) {
      error ??= e instanceof Error ? e.message : String(e);
    }
    results.push({ model: model.name, neurons, layers: layers.length, timings, memory, peakRss: process.resourceUsage().maxRSS * 1024, ...(error ? { error } : {}) });
  }
  return { cores: availableParallelism(), results };
}

const row = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
const mb = (bytes: number): string => (Number.isFinite(bytes) ? (bytes / 1024 ** 2).toFixed(1) : '?');

/** The report as a Markdown section for bench/RESULTS.md. */
export function formatPoolBench(report: PoolBenchReport): string {
  const sizes = [...new Set(report.results.flatMap((r) => r.timings.map((t) => t.workers)))];
  const lines = [
    `## Worker pool (${report.cores} cores)`,
    '',
    'Full gallery (every neuron of the layers timed, exact mode) through the pool, after a warm-up;',
    'speed-up over 1 worker. Memory per worker: its own heap + array buffers, with the weights',
    'in one SharedArrayBuffer (shared) or copied into each worker (copied).',
    '',
    row(['model', 'layers', 'neurons', ...sizes.map((s) => `${s} worker${s > 1 ? 's' : ''}`), 'weights', 'per worker, shared', 'per worker, copied', 'peak RSS']),
    row(['---', ...new Array<string>(sizes.length + 6).fill('---:')]),
  ];
  for (const r of report.results) {
    if (r.error && r.timings.length === 0 && r.memory.length === 0) {
      lines.push(row([r.model, ...new Array<string>(sizes.length + 6).fill('—')]), '', `${r.model}: ${r.error}`, '');
      continue;
    }
    const cells = sizes.map((s) => {
      const t = r.timings.find((x) => x.workers === s);
      return t ? `${t.seconds.toFixed(2)} s${t.speedup !== 1 ? ` (${t.speedup.toFixed(2)}×)` : ''}` : '—';
    });
    const shared = r.memory.find((m) => m.shared);
    const copied = r.memory.find((m) => !m.shared);
    const per = (m?: PoolMemory): string => (m ? m.perWorker.map(mb).join(' / ') + ' MB' : '—');
    lines.push(row([r.model, String(r.layers), String(r.neurons), ...cells, `${mb(shared?.weightBytes ?? copied?.weightBytes ?? Number.NaN)} MB`, per(shared), per(copied), `${mb(r.peakRss)} MB`]));
    if (r.error) lines.push('', `${r.model}: ${r.error}`, '');
  }
  return lines.join('\n') + '\n';
}
