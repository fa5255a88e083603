/** The CLI's image output (`--format png,svg`): sprite sheets, SVGs and a PNG per neuron, per layer. */
import { join } from 'node:path';
import type { LayerInfo, PreparedModel } from '../workers/engine/prepare';
import { unionCrop } from '../workers/engine/receptive-field';
import type { Objective } from '../workers/engine/seeds';
import { layerImageFiles, neuronFileName, resolveOptions, rowLabels, type ImageFormats } from '../workers/export/layer-images';
import type { GalleryLayer } from '../workers/export/manifest';
import { writeSheet, type ThumbnailSource } from '../workers/export/sheet-files';
import { drawnUnits, layoutSheets, neuronThumbnail, type LayerGallery, type SheetOptions } from '../workers/export/sprite';
import type { DataUnits } from '../workers/imaging/data-units';
import { croppedUnits, cropRows, drawingShape } from '../workers/imaging/input-layout';
import { decodeOwnPng, encodePng } from '../workers/imaging/png';
import { ensureDir, folderSink, readBack, writeInto } from './files';

/** How a layer's x* rows are drawn: cut to the layer's receptive-field box as they come. */
export interface LayerDrawing {
  /** The drawn shape of one row. */
  readonly shape: readonly number[];
  readonly channelsLast: boolean;
  /** The data units of the drawn part (engine x* → data values), or null. */
  readonly units: DataUnits | null;
  /** The drawn part of some x* rows (a copy: the rows themselves can go). */
  cut(xstar: Float32Array): Float32Array;
}

export function layerDrawing(model: PreparedModel, info: LayerInfo, objective: Objective['kind'], units: DataUnits | null): LayerDrawing {
  const drawing = drawingShape({ inputShape: model.inputFeatureShape, inputLayout: model.inputLayout, imageShape: model.imageShape });
  const crop = unionCrop(info.crops, objective);
  if (crop && drawing.shape.length === 3) {
    const shape = cropRows(new Float32Array(0), drawing.shape, drawing.channelsLast, crop).shape;
    return {
      shape,
      channelsLast: drawing.channelsLast,
      units: croppedUnits(units, drawing.shape, drawing.channelsLast, crop),
      cut: (xstar) => cropRows(xstar, drawing.shape, drawing.channelsLast, crop).xstar,
    };
  }
  return { shape: drawing.shape, channelsLast: drawing.channelsLast, units, cut: (xstar) => xstar.slice() };
}

/**
 * The images of one layer (`<base>.png` and `<base>.svg`, `<base>.sheetK.*` when a layer needs
 * several sheets, and `<base>/neuron_K.png`) made as its rows come (issue 18): each cut row is
 * drawn into its thumbnail at once and its PNG written (or held, without --format png); once
 * the layer is complete its sheets are drawn from those PNGs a row of cells at a time. The
 * thumbnails are drawn at their own scale (the CLI's sheets are per neuron), so no row waits
 * for the others.
 */
export class LayerImages {
  private readonly options: SheetOptions;
  private readonly formats: ImageFormats;
  /** The thumbnails' PNGs when they are not written as files. */
  private readonly held = new Map<number, Uint8Array>();
  private thumbSize: { width: number; height: number } | null = null;

  constructor(
    private readonly out: string,
    private readonly base: string,
    private readonly drawing: LayerDrawing,
    formats: readonly string[],
    requested: SheetOptions,
    /** The layer's neurons (rows). */
    private readonly count: number,
  ) {
    this.formats = { png: formats.includes('png'), svg: formats.includes('svg') };
    this.options = resolveOptions(this.meta(null), requested);
  }

  /** Creates the folder of the per-neuron PNGs. */
  async open(): Promise<void> {
    if (this.formats.png && this.count > 0) await ensureDir(join(this.out, this.base));
  }

  /** The PNG of a row's thumbnail, drawn from its cut row (a row of `drawing.shape`). */
  thumbnail(cut: Float32Array): Uint8Array {
    const row = { ...this.meta(null), xstar: cut };
    const image = neuronThumbnail(row, 0, this.options);
    this.thumbSize ??= { width: image.width, height: image.height };
    return encodePng(image);
  }

  /** Writes (or holds) row `at`'s thumbnail PNG. */
  async keep(at: number, png: Uint8Array): Promise<void> {
    if (this.formats.png) await writeInto(join(this.out, this.base), neuronFileName(at, this.count), png);
    else this.held.set(at, png);
  }

  /** Once every row is kept: the layer's sheets. `r`: its statistics, in row order. */
  async writeSheets(r: GalleryLayer): Promise<void> {
    const meta = this.meta(r);
    if (r.neurons.length !== this.count) throw new Error(`${r.info.id}: ${r.neurons.length} rows for ${this.count} neurons`);
    const sink = folderSink(this.out);
    if (this.count === 0) {
      // No neurons: the sheet with its header only.
      for (const f of layerImageFiles({ ...meta, count: undefined }, this.base, this.formats, this.options)) await writeInto(this.out, f.name, f.bytes);
      return;
    }
    if (!this.thumbSize) throw new Error(`${r.info.id}: no rows came`);
    const sheets = layoutSheets(meta, this.thumbSize.width, this.thumbSize.height, this.options);
    const legend = drawnUnits(meta, this.options) ? 'gray' : this.options.colormap;
    const dir = join(this.out, this.base);
    const png = async (n: number): Promise<Uint8Array> => this.held.get(n) ?? (await readBack(dir, neuronFileName(n, this.count)));
    const thumbs: ThumbnailSource = { png, image: async (n) => decodeOwnPng(await png(n), join(dir, neuronFileName(n, this.count))) };
    for (let s = 0; s < sheets.length; s++) await writeSheet(sink, this.base, sheets, s, thumbs, legend, this.formats);
    this.held.clear();
  }

  /** The layer as the sheets lay it out: no rows, their count. */
  private meta(r: GalleryLayer | null): LayerGallery {
    const d = this.drawing;
    return { title: r?.info.name ?? '', xstar: new Float32Array(0), inputShape: d.shape, channelsLast: d.channelsLast, activations: r?.activations, labels: r ? rowLabels(r) : undefined, units: d.units, count: this.count, layerMax: 0 };
  }
}
