import type { InputLayout as LayoutName } from '../engine/graph';
import type { DataUnits } from './data-units';
import { inputLayout, renderThumbnail, type InputLayout, type RGBAImage, type ThumbnailOptions } from './thumbnail';

/** What decides how an x* is drawn: the input's shape, its layout, and the image shape the user asked for. */
export interface InputDrawing {
  /** The input's feature shape (no batch dimension): the shape of every x*. */
  readonly inputShape: readonly number[];
  readonly inputLayout: LayoutName;
  /** Draw as H×W image(s) (`--image-shape`), or null for the layout's own form. */
  readonly imageShape: readonly number[] | null;
}

/**
 * The shape an x* is drawn as, and whether its channels come last: the input's own shape,
 * or (for an image shape) H×W planes of size/(H·W) channels, taken in the layout's order
 * (a flat vector's values are read channels-first). 'flat' draws bars.
 */
export function drawingShape(d: InputDrawing): { shape: number[]; channelsLast: boolean } {
  const size = d.inputShape.reduce((a, b) => a * b, 1);
  const channelsLast = d.inputLayout === 'NHWC' || d.inputLayout === 'NWC';
  if (d.imageShape && d.imageShape.length === 2) {
    const [h, w] = d.imageShape;
    const c = Math.max(1, Math.round(size / (h * w)));
    return { shape: channelsLast ? [h, w, c] : [c, h, w], channelsLast };
  }
  if (d.inputLayout === 'flat') return { shape: [size], channelsLast: false };
  return { shape: [...d.inputShape], channelsLast };
}

/** How one x* of this model is drawn. */
export function modelInputLayout(d: InputDrawing): InputLayout {
  const { shape, channelsLast } = drawingShape(d);
  return inputLayout(shape, channelsLast);
}

/** The image shape [H, W] an x* is drawn at, or null when it is drawn as a chart (the manifest's `imageShape`). */
export function drawnImageShape(d: InputDrawing): number[] | null {
  const layout = modelInputLayout(d);
  return layout.kind === 'image' ? [layout.height, layout.width] : null;
}

/**
 * The rows of x* (each of the drawing shape, rank 3) cut to the box [y, x, h, w]: what a
 * thumbnail of a receptive-field crop draws. x* itself (the .npy) stays full size.
 */
export function cropRows(xstar: Float32Array, shape: readonly number[], channelsLast: boolean, box: readonly number[]): { xstar: Float32Array; shape: number[] } {
  const [y0, x0, h, w] = box;
  const [H, W, C] = channelsLast ? [shape[0], shape[1], shape[2]] : [shape[1], shape[2], shape[0]];
  const size = H * W * C;
  const rows = Math.floor(xstar.length / size);
  const out = new Float32Array(rows * h * w * C);
  let o = 0;
  for (let r = 0; r < rows; r++) {
    const base = r * size;
    if (channelsLast) {
      for (let i = 0; i < h; i++) {
        const from = base + ((y0 + i) * W + x0) * C;
        out.set(xstar.subarray(from, from + w * C), o);
        o += w * C;
      }
    } else {
      for (let c = 0; c < C; c++) {
        for (let i = 0; i < h; i++) {
          const from = base + (c * H + y0 + i) * W + x0;
          out.set(xstar.subarray(from, from + w), o);
          o += w;
        }
      }
    }
  }
  return { xstar: out, shape: channelsLast ? [h, w, C] : [C, h, w] };
}

/** How a layer's thumbnails are drawn: the drawing shape, and the receptive-field box [y, x, h, w] they are cut to (null: the whole input). */
export interface ThumbnailDrawing {
  readonly shape: readonly number[];
  readonly channelsLast: boolean;
  readonly crop: readonly number[] | null;
  /** Draw reference + x* in data units (the base one full input), or the symmetric scale when absent. */
  readonly units?: DataUnits | null;
}

/** The drawing of a layer's thumbnails: the model's drawing shape and the layer's crop (kept for images only). */
export function thumbnailDrawing(d: InputDrawing, crop: readonly number[] | null): ThumbnailDrawing {
  const { shape, channelsLast } = drawingShape(d);
  return { shape, channelsLast, crop: shape.length === 3 ? crop : null };
}

/**
 * The thumbnail of row `row` of x*, cut to the drawing's crop and upscaled nearest-neighbour:
 * what the app's gallery draws, as the CLI's and the export's sheets do.
 */
export function renderInputThumbnail(xstar: Float32Array, row: number, drawing: ThumbnailDrawing, options: ThumbnailOptions): RGBAImage {
  if (!drawing.crop) return renderThumbnail(xstar, row, inputLayout(drawing.shape, drawing.channelsLast), options);
  const size = drawing.shape.reduce((a, b) => a * b, 1);
  const cut = cropRows(xstar.subarray(row * size, (row + 1) * size), drawing.shape, drawing.channelsLast, drawing.crop);
  return renderThumbnail(cut.xstar, 0, inputLayout(cut.shape, drawing.channelsLast), { ...options, units: croppedUnits(options.units, drawing.shape, drawing.channelsLast, drawing.crop) });
}

/** Data units whose base is cut to the same box as x* (the base is one full input). */
export function croppedUnits(units: DataUnits | null | undefined, shape: readonly number[], channelsLast: boolean, box: readonly number[] | null): DataUnits | null {
  if (!units) return null;
  if (!units.base || !box || shape.length !== 3) return units;
  return { range: units.range, base: cropRows(units.base, shape, channelsLast, box).xstar };
}
