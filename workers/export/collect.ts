/**
 * What an export of the app is made of (sprite sheets, SVGs, per-neuron PNGs, .npy,
 * manifest.json): its input, formats and files. Both ways of making one, in memory
 * (collectExport) and into a folder as it is made, are streamExport (stream-export.ts). Pure.
 */
import type { GallerySettings } from '../engine/compute';
import type { InputLayout, ModelSource, QuantizationInfo } from '../engine/graph';
import type { ImageFormats } from './layer-images';
import type { GalleryLayer } from './manifest';
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
  /** Called with the neurons written so far and their total. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Waits between layers and files (default: a macrotask, so input and paint get their turn). */
  readonly pause?: () => Promise<void>;
}

export class ExportCancelled extends Error {
  constructor() {
    super('export cancelled');
  }
}


/** How many files an export makes (for the progress bar). */
export function expectedFileCount(input: ExportInput, formats: ExportFormats): number {
  const perLayer = input.layers.reduce((s, l) => s + (formats.png ? 1 + l.norms.length : 0) + (formats.svg ? 1 : 0) + (formats.npy ? 1 : 0), 0);
  return perLayer + (formats.json ? 1 : 0);
}
