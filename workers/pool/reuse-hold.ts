/**
 * The results a run still owes to the layers that reuse them (engine/reuse.ts: a Clip after
 * its conv, a residual Add), held apart from the cache: each row is kept until every layer of
 * the run that reuses it has had a job for that neuron finish, then dropped (issue 18). So a
 * run reuses its own results whatever the cache's bound (the CLI runs with no cache at all),
 * and a gallery holds only the rows still to be reused, not every layer it computed.
 *
 * The results of a layer reused densely (a 1×1 convolution's source: every job of the reusing
 * layer needs all of its rows) are held in shared memory where the host allows it: every job
 * then takes the same rows along without a copy, so a 224-pixel MobileNetV2's 960 source rows
 * (578 MB) are held once instead of once per job and per worker.
 */
import type { LayerResult, ResultRow } from '../engine/layer-result';
import type { NeuronQueue } from './queue';

/** A result whose x* is in a SharedArrayBuffer (one copy, made when it is kept). */
function sharedCopy(result: LayerResult): LayerResult {
  const xstar = new Float32Array(new SharedArrayBuffer(result.xstar.byteLength));
  xstar.set(result.xstar);
  return { ...result, xstar };
}

/** Whether a result's x* travels to workers by reference. */
export function isShared(result: LayerResult): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && result.xstar.buffer instanceof SharedArrayBuffer;
}

interface Held {
  readonly row: ResultRow;
  /** Reusing layers whose job for this neuron has not finished yet. */
  waiting: number;
}

const key = (layer: string, neuron: number): string => `${layer}\u0000${neuron}`;

export class ReuseHold {
  private readonly rows = new Map<string, Held>();
  /** Layers reusing all of their sources that released them. */
  private readonly denseDone = new Set<string>();
  /** Rows held, by result (to count their bytes until the last row goes). */
  private readonly heldRows = new Map<LayerResult, number>();
  private bytes = 0;

  /** `share`: hold densely reused results in shared memory (pack.ts canShareMemory). */
  constructor(private readonly queue: NeuronQueue, private readonly share = false) {}

  /** A job's result: the rows some layer of the run will still reuse are kept. */
  keep(result: LayerResult): void {
    const waiting = result.neurons.map((neuron) => this.queue.waitingReusers(result.layer, neuron));
    if (waiting.every((w) => w <= 0)) return;
    const held = this.share && this.queue.reusedDensely(result.layer) && !isShared(result) ? sharedCopy(result) : result;
    held.neurons.forEach((neuron, row) => {
      if (waiting[row] <= 0) return;
      this.rows.set(key(result.layer, neuron), { row: { result: held, row }, waiting: waiting[row] });
      this.count(held, +1);
    });
  }

  /**
   * Bytes of x* held now, in shared memory or not: the part of the budget the workers must
   * leave (pool.ts charges it before dividing the rest). A result whose rows go one by one is
   * counted by row, although its buffer goes only with its last row.
   */
  get heldBytes(): number {
    return this.bytes;
  }

  private count(result: LayerResult, delta: number): void {
    const rows = (this.heldRows.get(result) ?? 0) + delta;
    const size = result.xstar.byteLength / Math.max(1, result.neurons.length);
    this.bytes += delta * size;
    if (rows > 0) this.heldRows.set(result, rows);
    else this.heldRows.delete(result);
  }

  get(layer: string, neuron: number): ResultRow | undefined {
    return this.rows.get(key(layer, neuron))?.row;
  }

  /**
   * A reusing layer's job finished (or failed for good): its sources' rows for its neurons are
   * one layer less wanted; a layer reusing all of its sources releases all their rows once
   * every neuron of it was handed out (each job took the rows along when it went).
   */
  release(layer: string, neurons: readonly number[]): void {
    const { same, all } = this.queue.sourcesOf(layer);
    for (const source of same) for (const n of neurons) this.drop(key(source, n));
    if (all.length === 0 || !this.queue.allTaken(layer) || this.denseDone.has(layer)) return;
    this.denseDone.add(layer);
    for (const source of all) {
      const prefix = key(source, 0).slice(0, -1);
      for (const k of [...this.rows.keys()]) if (k.startsWith(prefix)) this.drop(k);
    }
  }

  private drop(k: string): void {
    const held = this.rows.get(k);
    if (!held || --held.waiting > 0) return;
    this.rows.delete(k);
    this.count(held.row.result, -1);
  }

  /** Rows held. */
  get size(): number {
    return this.rows.size;
  }
}
