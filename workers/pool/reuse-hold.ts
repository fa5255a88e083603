/**
 * The results a run still owes to the layers that reuse them (engine/reuse.ts: a Clip after
 * its conv, a residual Add), held apart from the cache: each row is kept until every layer of
 * the run that reuses it has had a job for that neuron finish, then dropped (issue 18). So a
 * run reuses its own results whatever the cache's bound (the CLI runs with no cache at all),
 * and a gallery holds only the rows still to be reused, not every layer it computed.
 */
import type { LayerResult, ResultRow } from '../engine/layer-result';
import type { NeuronQueue } from './queue';

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

  constructor(private readonly queue: NeuronQueue) {}

  /** A job's result: the rows some layer of the run will still reuse are kept. */
  keep(result: LayerResult): void {
    result.neurons.forEach((neuron, row) => {
      const waiting = this.queue.waitingReusers(result.layer, neuron);
      if (waiting > 0) this.rows.set(key(result.layer, neuron), { row: { result, row }, waiting });
    });
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
    if (held && --held.waiting <= 0) this.rows.delete(k);
  }

  /** Rows held. */
  get size(): number {
    return this.rows.size;
  }
}
