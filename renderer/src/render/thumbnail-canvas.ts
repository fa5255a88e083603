/** Thumbnails as canvases for ECharts to draw, made from the pure RGBA mapping and kept in an LRU. */
import type { LayerData } from '../domain/layer-data';
import type { DisplaySettings } from '../domain/settings-types';
import { inputLayout, renderThumbnail, upscaleNearest, type RGBAImage } from '../../../workers/imaging/thumbnail';
import type { DataUnits } from '../../../workers/imaging/data-units';
import type { ThumbnailDrawing } from '../../../workers/imaging/input-layout';
import { keepRow, type ThumbGeometry } from '../../../workers/imaging/thumb-source';

const MAX_ENTRIES = 3000;
const cache = new Map<string, HTMLCanvasElement>();

export function imageToCanvas(img: RGBAImage): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = img.width;
  canvas.height = img.height;
  const ctx = canvas.getContext('2d')!;
  ctx.putImageData(new ImageData(img.data as Uint8ClampedArray<ArrayBuffer>, img.width, img.height), 0, 0);
  return canvas;
}

/** The scale m a neuron's thumbnail uses. */
export function thumbnailScale(data: LayerData, neuron: number, display: DisplaySettings): number {
  return display.scale === 'layer' ? data.layerMax : data.neuronMax[neuron];
}

/** A number per data-units object the gallery drew with: a new range or reference is a new object (settings store). */
const unitIds = new WeakMap<DataUnits, number>();
let unitsSeen = 0;
function unitsId(units: DataUnits | null | undefined): string {
  if (!units) return '-';
  let id = unitIds.get(units);
  if (id === undefined) unitIds.set(units, (id = ++unitsSeen));
  return String(id);
}

function keyOf(data: LayerData, neuron: number, drawing: ThumbnailDrawing, display: DisplaySettings, pixels: number): string {
  const scale = display.scale === 'layer' ? `L${data.layerMax}` : 'N';
  return `${data.serial}|${neuron}|${drawing.crop?.join(',') ?? '-'}|${display.colormap}|${scale}|${pixels}|${unitsId(drawing.units)}`;
}

/** A cached thumbnail, or undefined when it has not been drawn yet. */
export function cachedThumbnail(data: LayerData, neuron: number, drawing: ThumbnailDrawing, display: DisplaySettings, pixels: number): HTMLCanvasElement | undefined {
  const key = keyOf(data, neuron, drawing, display, pixels);
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
  }
  return hit;
}

/** The data-units base kept as the rows are (cut and reduced the same way), per units object and layer geometry. */
const keptBases = new WeakMap<DataUnits, WeakMap<ThumbGeometry, DataUnits>>();
function keptUnits(units: DataUnits | null | undefined, g: ThumbGeometry): DataUnits | null {
  if (!units?.base) return units ?? null;
  let byGeometry = keptBases.get(units);
  if (!byGeometry) keptBases.set(units, (byGeometry = new WeakMap()));
  let kept = byGeometry.get(g);
  if (!kept) byGeometry.set(g, (kept = { range: units.range, base: keepRow(units.base, g) }));
  return kept;
}

/** The size (device pixels) a reduced thumbnail is shown at: that of the full cut it stands for. */
const shownSizes = new WeakMap<HTMLCanvasElement, { width: number; height: number }>();
export function shownSize(canvas: HTMLCanvasElement): { width: number; height: number } {
  return shownSizes.get(canvas) ?? { width: canvas.width, height: canvas.height };
}

/**
 * Draws (and caches) the thumbnail of a neuron whose result arrived, from the row the layer
 * kept of it: cut to the layer's receptive-field crop, reduced when large (domain/layer-data.ts);
 * `pixels` is the device-pixel size.
 */
export function drawThumbnail(data: LayerData, neuron: number, drawing: ThumbnailDrawing, display: DisplaySettings, pixels: number): HTMLCanvasElement | undefined {
  const kept = data.keptRow(neuron);
  if (!kept) return undefined;
  const g = data.geometry;
  const options = { colormap: display.colormap, scale: thumbnailScale(data, neuron, display), size: pixels, units: keptUnits(drawing.units, g) };
  const layout = inputLayout(g.shape, g.channelsLast);
  if (g.factor === 1) return remember(data, neuron, drawing, display, pixels, imageToCanvas(renderThumbnail(kept, 0, layout, options)));
  // Reduced (images only): shown at the size the full cut would have, its native size times the whole factor that fits.
  const native = renderThumbnail(kept, 0, layout, { ...options, size: 1 });
  const size = Math.max(4, Math.round(pixels));
  const canvas = imageToCanvas(upscaleNearest(native, size / Math.max(native.width, native.height)));
  const full = { width: native.width * g.factor, height: native.height * g.factor };
  const k = Math.max(1, Math.floor(size / Math.max(full.width, full.height)));
  shownSizes.set(canvas, { width: full.width * k, height: full.height * k });
  return remember(data, neuron, drawing, display, pixels, canvas);
}

function remember(data: LayerData, neuron: number, drawing: ThumbnailDrawing, display: DisplaySettings, pixels: number, canvas: HTMLCanvasElement): HTMLCanvasElement {
  cache.set(keyOf(data, neuron, drawing, display, pixels), canvas);
  if (cache.size > MAX_ENTRIES) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  return canvas;
}
