/**
 * One layer of a gallery written as its results come (issue 18): each result's x* rows go
 * into the layer's .npy at their places at once, and are cut to the layer's receptive-field
 * box and drawn into their thumbnails, whose PNGs are written (cli/images.ts); the rows
 * themselves are not kept. Once the layer is complete, finish() gives its statistics (no x*).
 */
import { joinResults, type LayerResult, xstarRow } from '../workers/engine/layer-result';
import { openNpyRows, type NpyRows } from './files';
import type { LayerDrawing, LayerImages } from './images';

export class LayerStream {
  private npy: NpyRows | null = null;
  private writing: Promise<void> = Promise.resolve();
  private error: unknown = undefined;
  private readonly position: Map<number, number>;
  private readonly stats: LayerResult[] = [];

  /**
   * `neurons`: the layer's chosen neurons, whose order is the rows' in the .npy and the images';
   * `npy`: where the rows go, or null; `images`: the layer's images and how they cut the rows,
   * or null when no image is drawn.
   */
  constructor(
    private readonly layer: string,
    private readonly inputShape: readonly number[],
    private readonly neurons: readonly number[],
    private readonly npyFile: { dir: string; name: string } | null,
    private readonly images: { drawing: LayerDrawing; files: LayerImages } | null,
  ) {
    this.position = new Map(neurons.map((n, i) => [n, i]));
    if (npyFile) this.then(async () => void (this.npy = await openNpyRows(npyFile.dir, npyFile.name, [neurons.length, ...inputShape])));
    if (images) this.then(() => images.files.open());
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
    if (this.images) {
      const { drawing, files } = this.images;
      // A row at a time: a part may be a whole layer (--workers 0), whose cut would be a second copy of it.
      const pngs = part.neurons.map((n, r) => ({ at: this.position.get(n)!, png: files.thumbnail(drawing.cut(xstarRow(part, r))) }));
      this.then(async () => {
        for (const p of pngs) await files.keep(p.at, p.png);
      });
    }
    this.stats.push({ ...part, xstar: new Float32Array(0) });
  }

  /** Waits for the writes; the layer's statistics (x* empty), in the order of the neurons given. */
  async finish(): Promise<LayerResult> {
    await this.writing;
    const npy = this.npy;
    this.npy = null;
    await npy?.close().catch((e: unknown) => {
      this.error ??= e;
    });
    if (this.error !== undefined) throw this.error;
    const stats = joinResults(this.layer, this.inputShape, this.stats, { xstar: false });
    // The rows' places (in the .npy, the per-neuron PNGs) are those of the neurons given; a gallery joins them in that order.
    if (stats.neurons.some((n, i) => this.position.get(n) !== i)) throw new Error(`${this.layer}: the results are not in the order of its neurons`);
    return stats;
  }
}
