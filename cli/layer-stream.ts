/**
 * One layer of a gallery written as its results come (issue 18): each result's x* rows go
 * into the layer's .npy at their places at once, and what the images need is cut to the
 * layer's receptive-field box; the rows themselves are not kept. Once the layer is complete,
 * finish() gives its statistics (no x*) and its cut rows, in neuron order.
 */
import { joinResults, type LayerResult, xstarRow } from '../workers/engine/layer-result';
import { openNpyRows, type NpyRows } from './files';
import type { LayerDrawing } from './images';

export class LayerStream {
  private npy: NpyRows | null = null;
  private writing: Promise<void> = Promise.resolve();
  private error: unknown = undefined;
  private readonly position: Map<number, number>;
  private readonly stats: LayerResult[] = [];
  /** The cut rows at their places in neuron order, filled as results come (no second copy at the end). */
  private drawn: Float32Array | null;
  private readonly drawnSize: number;

  /**
   * `neurons`: the layer's chosen neurons, whose order is the rows' in the .npy; `npy`: where
   * the rows go, or null; `drawing`: how the images cut them, or null when no image is drawn.
   */
  constructor(
    private readonly layer: string,
    private readonly inputShape: readonly number[],
    neurons: readonly number[],
    private readonly npyFile: { dir: string; name: string } | null,
    private readonly drawing: LayerDrawing | null,
  ) {
    this.position = new Map(neurons.map((n, i) => [n, i]));
    this.drawnSize = drawing ? drawing.shape.reduce((a, b) => a * b, 1) : 0;
    this.drawn = drawing ? new Float32Array(neurons.length * this.drawnSize) : null;
    if (npyFile) this.then(async () => void (this.npy = await openNpyRows(npyFile.dir, npyFile.name, [neurons.length, ...inputShape])));
  }

  /** Runs `task` after the writes before it; the first failure is kept for finish() (a rejection never goes unhandled meanwhile). */
  private then(task: () => Promise<void>): void {
    this.writing = this.writing.then(async () => {
      if (this.error === undefined) await task();
    }).catch((e: unknown) => {
      this.error ??= e;
    });
  }

  add(part: LayerResult): void {
    if (this.npyFile) {
      const writes = part.neurons.map((n, row) => ({ at: this.position.get(n)!, row: xstarRow(part, row) }));
      this.then(async () => {
        for (const w of writes) await this.npy!.write(w.at, w.row);
      });
    }
    if (this.drawing && this.drawn) {
      const rows = this.drawing.cut(part.xstar);
      const size = this.drawnSize;
      part.neurons.forEach((n, r) => this.drawn!.set(rows.subarray(r * size, (r + 1) * size), this.position.get(n)! * size));
    }
    this.stats.push({ ...part, xstar: new Float32Array(0) });
  }

  /** Waits for the writes; the layer's statistics (x* empty) and its cut rows in neuron order (empty when nothing is drawn). */
  async finish(): Promise<{ stats: LayerResult; drawn: Float32Array }> {
    await this.writing;
    const npy = this.npy;
    this.npy = null;
    await npy?.close().catch((e: unknown) => {
      this.error ??= e;
    });
    if (this.error !== undefined) throw this.error;
    const stats = joinResults(this.layer, this.inputShape, this.stats, { xstar: false });
    const drawn = this.drawn ?? new Float32Array(0);
    this.drawn = null;
    return { stats, drawn: reorder(drawn, this.drawnSize, this.position, stats.neurons) };
  }
}

/** `rows` (in the order of `position`) in the order `order`; the same array when the orders agree, as they do for a gallery. */
function reorder(rows: Float32Array, size: number, position: ReadonlyMap<number, number>, order: readonly number[]): Float32Array {
  if (order.every((n, i) => position.get(n) === i)) return rows;
  const out = new Float32Array(order.length * size);
  order.forEach((n, i) => out.set(rows.subarray(position.get(n)! * size, (position.get(n)! + 1) * size), i * size));
  return out;
}
