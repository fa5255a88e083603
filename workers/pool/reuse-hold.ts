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

  /** A reusing layer's job finished (or failed for good): its sources' rows for its neurons are one layer less wanted. */
  release(layer: string, neurons: readonly number[]): void {
    for (const source of this.queue.sourcesOf(layer)) {
      for (const n of neurons) {
        const k = key(source, n);
        const held = this.rows.get(k);
        if (held && --held.waiting <= 0) this.rows.delete(k);
      }
    }
  }

  /** Rows held. */
  get size(): number {
    return this.rows.size;
  }
}
