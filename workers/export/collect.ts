/**
 * Gathers the files of an export from the app (sprite sheets, SVGs, per-neuron PNGs, .npy,
 * manifest.json) in memory, yielding to the event loop between files so the UI stays
 * responsive, reporting progress and stopping when cancelled. Nothing is handed to the
 * host until every file is made, so a cancelled export writes nothing. Pure (no DOM).
 */
import type { GallerySettings } from '../engine/compute';
import type { InputLayout, ModelSource, QuantizationInfo } from '../engine/graph';
import { drawingShape } from '../imaging/input-layout';
import { encodeNpy } from '../formats/numpy/npy';
import { unionCrop } from '../engine/receptive-field';
import { drawnGallery, layerImageFiles, rowLabels, type ImageFormats } from './layer-images';
import { buildManifest, safeFileNames, type GalleryLayer } from './manifest';
import type { SheetOptions } from './sprite';
import type { DataUnits } from '../imaging/data-units';

export interface ExportFormats extends ImageFormats {
  readonly npy: boolean;
  readonly json: boolean;
}

export interface ExportInput {
  readonly source: ModelSource;
  readonly inputShape: readonly number[];
  readonly inputLayout: InputLayout;
  /** Draw x* as H×W image(s), or null for the layout's own form. */
  readonly imageShape: readonly number[] | null;
  readonly settings: Pick<GallerySettings, 'mode' | 'objective' | 'radius'>;
  readonly layers: readonly GalleryLayer[];
  readonly quantized?: QuantizationInfo;
  /** Images in data units (reference + x* in the value range), or absent for the symmetric scale. */
  readonly units?: DataUnits | null;
}

export interface CollectedFile {
  /** Flat (no folders): per-neuron PNGs are named `<layer>.neuron_K.png`. */
  readonly name: string;
  readonly bytes: Uint8Array;
}

export interface CollectHooks {
  readonly signal?: AbortSignal;
  /** Called after each file with the number made so far and the total expected. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Waits between files (default: a macrotask, so input and paint get their turn). */
  readonly pause?: () => Promise<void>;
}

export class ExportCancelled extends Error {
  constructor() {
    super('export cancelled');
  }
}

const nextTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
const encoder = new TextEncoder();

/** How many files an export makes (for the progress bar). */
export function expectedFileCount(input: ExportInput, formats: ExportFormats): number {
  const perLayer = input.layers.reduce((s, l) => s + (formats.png ? 1 + l.norms.length : 0) + (formats.svg ? 1 : 0) + (formats.npy ? 1 : 0), 0);
  return perLayer + (formats.json ? 1 : 0);
}

/** Every file of the export, or throws ExportCancelled. */
export async function collectExport(input: ExportInput, formats: ExportFormats, options: SheetOptions, hooks: CollectHooks = {}): Promise<CollectedFile[]> {
  const pause = hooks.pause ?? nextTask;
  let total = expectedFileCount(input, formats);
  const files: CollectedFile[] = [];
  const check = async (): Promise<void> => {
    hooks.onProgress?.(files.length, (total = Math.max(total, files.length)));
    await pause();
    if (hooks.signal?.aborted) throw new ExportCancelled();
  };
  await check();
  const npyNames = safeFileNames(input.layers.map((l) => l.info.id), '.npy');
  const drawing = drawingShape(input);
  for (let i = 0; i < input.layers.length; i++) {
    const l = input.layers[i];
    const base = npyNames[i].replace(/\.npy$/, '');
    if (formats.npy) {
      files.push({ name: npyNames[i], bytes: encodeNpy([l.norms.length, ...input.inputShape], l.xstar) });
      await check();
    }
    const gallery = drawnGallery(l.info.name, l.xstar, drawing, { activations: l.activations, crop: unionCrop(l.info.crops, input.settings.objective.kind), labels: rowLabels(l), units: input.units });
    for (const f of layerImageFiles(gallery, base, formats, options)) {
      files.push({ name: f.folder ? `${f.folder}.${f.name}` : f.name, bytes: typeof f.bytes === 'string' ? encoder.encode(f.bytes) : f.bytes });
      await check();
    }
  }
  if (formats.json) {
    const manifest = buildManifest(input.source, input, input.settings, input.layers, npyNames, input.quantized);
    files.push({ name: 'manifest.json', bytes: encoder.encode(JSON.stringify(manifest, null, 1) + '\n') });
    await check();
  }
  return files;
}
