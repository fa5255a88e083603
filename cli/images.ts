/** The CLI's image output (`--format png,svg`): sprite sheets, SVGs and a PNG per neuron, per layer. */
import { join } from 'node:path';
import type { PreparedModel } from '../workers/engine/prepare';
import { DEFAULT_SHEET_OPTIONS, drawnGallery, layerImageFiles, rowLabels } from '../workers/export/layer-images';
import { unionCrop } from '../workers/engine/receptive-field';
import type { Objective } from '../workers/engine/seeds';
import type { GalleryLayer } from '../workers/export/manifest';
import type { SheetOptions } from '../workers/export/sprite';
import type { DataUnits } from '../workers/imaging/data-units';
import { drawingShape } from '../workers/imaging/input-layout';
import { ensureDir, writeInto } from './files';

/**
 * Writes the images of one computed layer into `out`: `<base>.png` and `<base>.svg`
 * (`<base>.sheetK.*` when a layer needs several sheets) and `<base>/neuron_K.png`.
 * Every file is written completely or not at all.
 */
export async function writeLayerImages(
  out: string,
  model: PreparedModel,
  r: GalleryLayer,
  base: string,
  formats: readonly string[],
  objective: Objective['kind'],
  units: DataUnits | null,
  options: SheetOptions = DEFAULT_SHEET_OPTIONS,
): Promise<void> {
  const png = formats.includes('png');
  const svg = formats.includes('svg');
  if (!png && !svg) return;
  const drawing = drawingShape({ inputShape: model.inputFeatureShape, inputLayout: model.inputLayout, imageShape: model.imageShape });
  const gallery = drawnGallery(r.info.name, r.xstar, drawing, { activations: r.activations, crop: unionCrop(r.info.crops, objective), labels: rowLabels(r), units });
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
