/**
 * The image files of one layer, built the same way by the CLI and by the app: PNG sprite
 * sheets, their SVGs, and a PNG per neuron. Pure; the caller decides where they go.
 */
import type { DataUnits } from '../imaging/data-units';
import { cropRows, croppedUnits } from '../imaging/input-layout';
import { encodePng } from '../imaging/png';
import { renderSheetSvg } from './svg';
import { drawnUnits, drawSheet, galleryLayout, layerThumbnails, layoutSheets, nativeImageSide, CHART_SIZE, type LayerGallery, type SheetOptions } from './sprite';

/** What a sheet shows beside x*: activations, the receptive-field crop [y, x, h, w], class names (one per row), data units (the base one full input). */
export interface GalleryExtras {
  readonly activations?: Float32Array;
  readonly crop?: readonly number[] | null;
  readonly labels?: readonly string[];
  readonly units?: DataUnits | null;
}

/**
 * A layer's gallery as drawn: x* rows in the drawing shape, cut to the layer's receptive-field
 * crop when it has one (images only).
 */
export function drawnGallery(title: string, xstar: Float32Array, drawing: { shape: readonly number[]; channelsLast: boolean }, extras: GalleryExtras = {}): LayerGallery {
  const { activations, crop, labels } = extras;
  if (crop && drawing.shape.length === 3) {
    const cut = cropRows(xstar, drawing.shape, drawing.channelsLast, crop);
    const units = croppedUnits(extras.units, drawing.shape, drawing.channelsLast, crop);
    return { title, xstar: cut.xstar, inputShape: cut.shape, channelsLast: drawing.channelsLast, activations, labels, units };
  }
  return { title, xstar, inputShape: drawing.shape, channelsLast: drawing.channelsLast, activations, labels, units: extras.units ?? null };
}

/** The class names of a layer's rows: a preview (fewer rows than `total`) holds only some neurons. */
export function rowLabels(l: { info: { labels?: readonly string[] }; neurons: readonly number[]; total?: number }): readonly string[] | undefined {
  const names = l.info.labels;
  if (!names) return undefined;
  return l.total !== undefined && l.neurons.length < l.total ? l.neurons.map((k) => names[k] ?? '') : names;
}

export interface ImageFormats {
  /** PNG sprite sheets and a PNG per neuron. */
  readonly png: boolean;
  readonly svg: boolean;
}

export interface ImageFile {
  /** A sub-folder (per-neuron PNGs) or null for the export's top folder. */
  readonly folder: string | null;
  readonly name: string;
  readonly bytes: Uint8Array | string;
}

/** The default settings of exported images, shared by the CLI and the app's export. */
export const DEFAULT_SHEET_OPTIONS: SheetOptions = { colormap: 'rdbu', scale: 'neuron', factor: 0, showValues: true };

/** The upscaling that makes a thumbnail about 64 pixels (factor 0 in the options means this). */
export function autoFactor(nativeSide: number): number {
  return Math.max(1, Math.floor(64 / Math.max(1, nativeSide)));
}

export function sheetName(base: string, index: number, count: number, ext: string): string {
  return count === 1 ? `${base}${ext}` : `${base}.sheet${index + 1}${ext}`;
}

export function neuronFileName(neuron: number, count: number): string {
  return `neuron_${String(neuron).padStart(String(Math.max(0, count - 1)).length, '0')}.png`;
}

/** Resolves factor 0 (automatic): thumbnails of about 64 pixels. */
export function resolveOptions(g: LayerGallery, options: SheetOptions): SheetOptions {
  if (options.factor >= 1) return options;
  const layout = galleryLayout(g);
  return { ...options, factor: autoFactor(layout.kind === 'image' ? nativeImageSide(layout) : CHART_SIZE) };
}

/**
 * The files of one layer; `base` is its safe file name without extension. Yields between
 * files so callers can report progress, stay responsive and stop.
 */
export function* layerImageFiles(g: LayerGallery, base: string, formats: ImageFormats, requested: SheetOptions): Generator<ImageFile> {
  const options = resolveOptions(g, requested);
  const thumbs = layerThumbnails(g, options);
  const probe = thumbs[0] ?? { width: CHART_SIZE * options.factor, height: CHART_SIZE * options.factor };
  const sheets = layoutSheets(g, probe.width, probe.height, options);
  for (let s = 0; s < sheets.length; s++) {
    // In data units the colour bar is the grey ramp lo → hi.
    const legend = drawnUnits(g, options) ? 'gray' : options.colormap;
    if (formats.png) yield { folder: null, name: sheetName(base, s, sheets.length, '.png'), bytes: encodePng(drawSheet(sheets[s], thumbs, legend)) };
    if (formats.svg) yield { folder: null, name: sheetName(base, s, sheets.length, '.svg'), bytes: renderSheetSvg(sheets[s], thumbs, legend) };
  }
  if (formats.png) {
    for (let i = 0; i < thumbs.length; i++) yield { folder: base, name: neuronFileName(i, thumbs.length), bytes: encodePng(thumbs[i]) };
  }
}
