/**
 * x* → RGBA pixels for thumbnails and exports. Pure (no DOM): the same bytes are drawn
 * in the app, written to PNG by the export and by the CLI.
 */
import { colormapLut, lucidByte, lutIndex, type ColormapName } from './colormap';
import { dataByte, type DataUnits } from './data-units';

/** How one x* is shown, from the model's input feature shape and layout. */
export type InputLayout =
  /** Rank 1: a bar per element. */
  | { readonly kind: 'vector'; readonly length: number }
  /** Rank 2 with few channels: a line per channel. */
  | { readonly kind: 'sequence'; readonly channels: number; readonly length: number; readonly channelsLast: boolean }
  /** Images: 1 channel as a heatmap, 3 as RGB, any other count as a mosaic of heatmaps. */
  | { readonly kind: 'image'; readonly channels: number; readonly height: number; readonly width: number; readonly channelsLast: boolean };

export interface RGBAImage {
  readonly width: number;
  readonly height: number;
  /** width × height × 4 bytes, row-major, straight (not premultiplied) alpha. */
  readonly data: Uint8ClampedArray;
}

/** Sequences have at most this many channels; a wider rank-2 input is shown as an image. */
const MAX_SEQUENCE_CHANNELS = 16;

/**
 * The layout of an input of feature shape `shape` (no batch dimension). Rank 2 is a
 * sequence (C, L) when it has few channels and is longer than wide, otherwise a
 * single-channel image; rank 3 is (C, H, W) or (H, W, C); higher ranks fold their
 * leading axes into channels.
 */
export function inputLayout(shape: readonly number[], channelsLast: boolean): InputLayout {
  const size = shape.reduce((a, b) => a * b, 1);
  if (shape.length <= 1) return { kind: 'vector', length: size };
  if (shape.length === 2) {
    const [channels, length] = channelsLast ? [shape[1], shape[0]] : [shape[0], shape[1]];
    if (channels <= MAX_SEQUENCE_CHANNELS && length >= 4 * channels) return { kind: 'sequence', channels, length, channelsLast };
    return { kind: 'image', channels: 1, height: shape[0], width: shape[1], channelsLast: false };
  }
  const r = shape.length;
  if (channelsLast) return { kind: 'image', channels: size / (shape[r - 3] * shape[r - 2]), height: shape[r - 3], width: shape[r - 2], channelsLast: true };
  return { kind: 'image', channels: size / (shape[r - 2] * shape[r - 1]), height: shape[r - 2], width: shape[r - 1], channelsLast: false };
}

/** Number of values of one x* in this layout. */
export function layoutSize(layout: InputLayout): number {
  if (layout.kind === 'vector') return layout.length;
  if (layout.kind === 'sequence') return layout.channels * layout.length;
  return layout.channels * layout.height * layout.width;
}

/** Flat index of (channel c, position p) in an x* of this layout. */
export function channelIndex(layout: InputLayout, c: number, p: number): number {
  if (layout.kind === 'vector') return p;
  const positions = layout.kind === 'sequence' ? layout.length : layout.height * layout.width;
  return layout.channelsLast ? p * layout.channels + c : c * positions + p;
}

export function maxAbs(x: Float32Array, offset = 0, length = x.length - offset): number {
  let m = 0;
  for (let i = offset; i < offset + length; i++) {
    const a = Math.abs(x[i]);
    if (a > m) m = a;
  }
  return m;
}

export interface ThumbnailOptions {
  readonly colormap: ColormapName;
  /** The scale m: max|x| of this neuron (per-neuron scale) or of its layer (per-layer scale). */
  readonly scale: number;
  /** Target size in pixels of the longer side; images are upscaled by the largest integer factor that fits (at least 1). */
  readonly size: number;
  /**
   * Images only: draw base + x* through the value range (grey, or RGB for three channels)
   * instead of the symmetric scale; `scale` and `colormap` then do not apply. Charts keep the symmetric scale.
   */
  readonly units?: DataUnits | null;
}

/** Grid of a mosaic of `channels` tiles: columns, rows. */
function mosaicGrid(channels: number): { cols: number; rows: number } {
  const cols = Math.ceil(Math.sqrt(channels));
  return { cols, rows: Math.ceil(channels / cols) };
}

/** Gap in source pixels between mosaic tiles. */
const MOSAIC_GAP = 1;

/**
 * One x* at native resolution (one pixel per value): a heatmap for one channel, Lucid RGB
 * for three, a mosaic of heatmaps otherwise. Transparent between mosaic tiles. With `units`,
 * base + x* in data units: grey for one channel (and each tile of a mosaic), RGB for three.
 */
export function imagePixels(x: Float32Array, offset: number, layout: Extract<InputLayout, { kind: 'image' }>, colormap: ColormapName, m: number, units?: DataUnits | null): RGBAImage {
  const { channels, height: h, width: w } = layout;
  const lut = colormapLut(colormap);
  const inData = (i: number): number => dataByte(x[offset + i] + (units!.base ? units!.base[i] : 0), units!.range);
  if (channels === 3) {
    const data = new Uint8ClampedArray(w * h * 4);
    for (let p = 0; p < w * h; p++) {
      for (let c = 0; c < 3; c++) {
        const i = channelIndex(layout, c, p);
        data[p * 4 + c] = units ? inData(i) : lucidByte(x[offset + i], m);
      }
      data[p * 4 + 3] = 255;
    }
    return { width: w, height: h, data };
  }
  const { cols, rows } = channels === 1 ? { cols: 1, rows: 1 } : mosaicGrid(channels);
  const width = cols * w + (cols - 1) * MOSAIC_GAP;
  const height = rows * h + (rows - 1) * MOSAIC_GAP;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let c = 0; c < channels; c++) {
    const x0 = (c % cols) * (w + MOSAIC_GAP);
    const y0 = Math.floor(c / cols) * (h + MOSAIC_GAP);
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const index = channelIndex(layout, c, i * w + j);
        const o = ((y0 + i) * width + x0 + j) * 4;
        if (units) {
          data[o] = data[o + 1] = data[o + 2] = inData(index);
        } else {
          const k = lutIndex(x[offset + index], m) * 3;
          data[o] = lut[k];
          data[o + 1] = lut[k + 1];
          data[o + 2] = lut[k + 2];
        }
        data[o + 3] = 255;
      }
    }
  }
  return { width, height, data };
}

/** Nearest-neighbour upscaling by an integer factor (crisp pixels). */
export function upscaleNearest(img: RGBAImage, factor: number): RGBAImage {
  const k = Math.max(1, Math.floor(factor));
  if (k === 1) return img;
  const width = img.width * k;
  const height = img.height * k;
  const data = new Uint8ClampedArray(width * height * 4);
  const src = new Uint32Array(img.data.buffer, img.data.byteOffset, img.width * img.height);
  const dst = new Uint32Array(data.buffer);
  for (let y = 0; y < height; y++) {
    const row = Math.floor(y / k) * img.width;
    for (let xx = 0; xx < width; xx++) dst[y * width + xx] = src[row + Math.floor(xx / k)];
  }
  return { width, height, data };
}

function blank(width: number, height: number): Uint8ClampedArray {
  return new Uint8ClampedArray(width * height * 4);
}

function put(data: Uint8ClampedArray, width: number, x: number, y: number, rgb: readonly number[], alpha = 255): void {
  const o = (y * width + x) * 4;
  data[o] = rgb[0];
  data[o + 1] = rgb[1];
  data[o + 2] = rgb[2];
  data[o + 3] = alpha;
}

const AXIS_GREY = [150, 150, 150];

/**
 * A bar chart of a vector: bars from the zero line, coloured by value through the colormap.
 * When there are more values than columns, a column shows its value of largest magnitude.
 */
export function barsImage(x: Float32Array, offset: number, length: number, colormap: ColormapName, m: number, width: number, height: number): RGBAImage {
  const data = blank(width, height);
  const lut = colormapLut(colormap);
  const mid = Math.floor(height / 2);
  const half = Math.max(1, Math.min(mid, height - 1 - mid));
  const columnsPerBar = width / Math.max(1, length);
  const gap = columnsPerBar >= 4 ? 1 : 0;
  for (let col = 0; col < width; col++) {
    const from = Math.floor((col * length) / width);
    const to = Math.max(from + 1, Math.floor(((col + 1) * length) / width));
    // Wide bars keep their last column empty so neighbours stay apart.
    if (gap && Math.floor(((col + 1) * length) / width) !== from) continue;
    let v = 0;
    for (let i = from; i < Math.min(to, length); i++) if (Math.abs(x[offset + i]) > Math.abs(v)) v = x[offset + i];
    const k = lutIndex(v, m) * 3;
    const rgb = [lut[k], lut[k + 1], lut[k + 2]];
    const extent = m > 0 ? Math.round((v / m) * half) : 0;
    const y0 = Math.min(mid, mid - extent);
    const y1 = Math.max(mid, mid - extent);
    for (let y = Math.max(0, y0); y <= Math.min(height - 1, y1); y++) put(data, width, col, y, rgb);
  }
  for (let col = 0; col < width; col++) if (data[(mid * width + col) * 4 + 3] === 0) put(data, width, col, mid, AXIS_GREY, 160);
  return { width, height, data };
}

/** ECharts' default palette: the colours of the lines of a multi-channel sequence. */
export const SERIES_PALETTE: readonly (readonly [number, number, number])[] = [
  [84, 112, 198],
  [145, 204, 117],
  [250, 200, 88],
  [238, 102, 102],
  [115, 192, 222],
  [59, 162, 114],
  [252, 132, 82],
  [154, 96, 180],
  [234, 124, 204],
];

/** A line chart of a sequence: one line per channel, drawn column by column (no gaps at any width). */
function linesImage(x: Float32Array, offset: number, layout: Extract<InputLayout, { kind: 'sequence' }>, m: number, width: number, height: number): RGBAImage {
  const data = blank(width, height);
  const mid = Math.floor(height / 2);
  const half = Math.max(1, Math.min(mid, height - 1 - mid));
  for (let col = 0; col < width; col++) put(data, width, col, mid, AXIS_GREY, 160);
  const { channels, length } = layout;
  const yOf = (v: number): number => Math.min(height - 1, Math.max(0, mid - (m > 0 ? Math.round((v / m) * half) : 0)));
  const valueAt = (c: number, i: number): number => x[offset + channelIndex(layout, c, i)];
  for (let c = 0; c < channels; c++) {
    const rgb = SERIES_PALETTE[c % SERIES_PALETTE.length];
    let prevY = -1;
    for (let col = 0; col < width; col++) {
      let lo: number;
      let hi: number;
      let end: number;
      if (length <= width) {
        // Fewer samples than columns: the line between samples, interpolated.
        const t = width > 1 ? (col * (length - 1)) / (width - 1) : 0;
        const i = Math.min(length - 2, Math.floor(t));
        const v = length === 1 ? valueAt(c, 0) : valueAt(c, i) + (valueAt(c, i + 1) - valueAt(c, i)) * (t - i);
        lo = hi = end = yOf(v);
      } else {
        // More samples than columns: each column spans the samples it covers.
        const from = Math.floor((col * length) / width);
        const to = Math.max(from + 1, Math.floor(((col + 1) * length) / width));
        lo = Infinity;
        hi = -Infinity;
        for (let i = from; i < Math.min(to, length); i++) {
          const y = yOf(valueAt(c, i));
          lo = Math.min(lo, y);
          hi = Math.max(hi, y);
        }
        end = yOf(valueAt(c, Math.min(to, length) - 1));
      }
      // Joined to the previous column, so steep stretches have no gaps.
      if (prevY >= 0) {
        lo = Math.min(lo, prevY);
        hi = Math.max(hi, prevY);
      }
      for (let y = lo; y <= hi; y++) put(data, width, col, y, rgb);
      prevY = end;
    }
  }
  return { width, height, data };
}

/**
 * The thumbnail of one x* (row `row` of a layer's x* array): images upscaled by the largest
 * integer factor that fits `size`, charts drawn at `size` × `size` (bars) or `size` × ¾ size (lines).
 */
export function renderThumbnail(xstar: Float32Array, row: number, layout: InputLayout, options: ThumbnailOptions): RGBAImage {
  const n = layoutSize(layout);
  const offset = row * n;
  const size = Math.max(4, Math.round(options.size));
  if (layout.kind === 'vector') return barsImage(xstar, offset, n, options.colormap, options.scale, size, size);
  if (layout.kind === 'sequence') return linesImage(xstar, offset, layout, options.scale, size, size);
  const native = imagePixels(xstar, offset, layout, options.colormap, options.scale, options.units);
  const factor = Math.max(1, Math.floor(size / Math.max(native.width, native.height)));
  return upscaleNearest(native, factor);
}
