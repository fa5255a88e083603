/** Thumbnails as canvases for ECharts to draw, made from the pure RGBA mapping and kept in an LRU. */
import type { LayerData } from '../domain/layer-data';
import type { DisplaySettings } from '../domain/settings-types';
import type { RGBAImage } from '../../../workers/imaging/thumbnail';
import type { DataUnits } from '../../../workers/imaging/data-units';
import { renderInputThumbnail, type ThumbnailDrawing } from '../../../workers/imaging/input-layout';

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

/**
 * Draws (and caches) the thumbnail of a neuron whose result arrived, cut to the layer's
 * receptive-field crop; `pixels` is the device-pixel size.
 */
export function drawThumbnail(data: LayerData, neuron: number, drawing: ThumbnailDrawing, display: DisplaySettings, pixels: number): HTMLCanvasElement | undefined {
  if (!data.xstar || !data.has(neuron)) return undefined;
  const img = renderInputThumbnail(data.xstar, neuron, drawing, { colormap: display.colormap, scale: thumbnailScale(data, neuron, display), size: pixels, units: drawing.units });
  const canvas = imageToCanvas(img);
  cache.set(keyOf(data, neuron, drawing, display, pixels), canvas);
  if (cache.size > MAX_ENTRIES) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  return canvas;
}
