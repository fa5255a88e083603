/** The CLI's image output (`--format png,svg`): sprite sheets, SVGs and a PNG per neuron, per layer. */
import { join } from 'node:path';
import type { LayerInfo, PreparedModel } from '../workers/engine/prepare';
import { unionCrop } from '../workers/engine/receptive-field';
import type { Objective } from '../workers/engine/seeds';
import { DEFAULT_SHEET_OPTIONS, layerImageFiles, rowLabels } from '../workers/export/layer-images';
import type { GalleryLayer } from '../workers/export/manifest';
import type { SheetOptions } from '../workers/export/sprite';
import type { DataUnits } from '../workers/imaging/data-units';
import { croppedUnits, cropRows, drawingShape } from '../workers/imaging/input-layout';
import { ensureDir, writeInto } from './files';

/** How a layer's x* rows are drawn: cut to the layer's receptive-field box as they come, so only the cut rows wait for the sheets. */
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
 * Writes the images of one computed layer into `out`: `<base>.png` and `<base>.svg`
 * (`<base>.sheetK.*` when a layer needs several sheets) and `<base>/neuron_K.png`.
 * `drawn`: the layer's rows cut by its LayerDrawing, in the order of `r.neurons`.
 * Every file is written completely or not at all.
 */
export async function writeLayerImages(
  out: string,
  r: GalleryLayer,
  drawing: LayerDrawing,
  drawn: Float32Array,
  base: string,
  formats: readonly string[],
  options: SheetOptions = DEFAULT_SHEET_OPTIONS,
): Promise<void> {
  const png = formats.includes('png');
  const svg = formats.includes('svg');
  if (!png && !svg) return;
  const gallery = { title: r.info.name, xstar: drawn, inputShape: drawing.shape, channelsLast: drawing.channelsLast, activations: r.activations, labels: rowLabels(r), units: drawing.units };
  let madeFolder = false;
  for (const file of layerImageFiles(gallery, base, { png, svg }, options)) {
    const dir = file.folder ? join(out, file.folder) : out;
    if (file.folder && !madeFolder) {
      await ensureDir(dir);
      madeFolder = true;
    }
    await writeInto(dir, file.name, file.bytes);
  }
}
