/**
 * What a gallery keeps of an x* to draw its thumbnail (issue 18): the row cut to the layer's
 * receptive-field box like every thumbnail, then, when the cut is larger than a thumbnail
 * needs, averaged over f×f blocks. A full 224×224 MobileNetV2 gallery then keeps about
 * 9 KB per neuron instead of 600 KB (domain/layer-data.ts keeps large rows a byte a value); the full rows are made again when they are needed.
 */
import { cropRows, type ThumbnailDrawing } from './input-layout';

/** Longest side a kept image has: most thumbnail cells are about 72 px, so a 64-pixel input stays whole. */
const THUMB_SOURCE_SIDE = 64;

export interface ThumbGeometry {
  /** The drawing shape of a kept row (rank 3 for images: the cut, reduced). */
  readonly shape: readonly number[];
  readonly channelsLast: boolean;
  /** The box [y, x, h, w] cut from the full drawing, or null for the whole of it. */
  readonly crop: readonly number[] | null;
  /** Side of the averaged blocks: 1 keeps the cut exactly. */
  readonly factor: number;
  /** The drawing shape of a full row. */
  readonly fullShape: readonly number[];
}

/** How a layer's rows are kept for its thumbnails, drawn as `drawing` says. */
export function thumbGeometry(drawing: Pick<ThumbnailDrawing, 'shape' | 'channelsLast' | 'crop'>, side = THUMB_SOURCE_SIDE): ThumbGeometry {
  const { shape, channelsLast, crop } = drawing;
  if (shape.length !== 3) return { shape, channelsLast, crop: null, factor: 1, fullShape: shape };
  const [H, W, C] = channelsLast ? [shape[0], shape[1], shape[2]] : [shape[1], shape[2], shape[0]];
  const [, , h, w] = crop ?? [0, 0, H, W];
  const factor = Math.max(1, Math.ceil(Math.max(h, w) / side));
  const oh = Math.ceil(h / factor);
  const ow = Math.ceil(w / factor);
  return { shape: channelsLast ? [oh, ow, C] : [C, oh, ow], channelsLast, crop, factor, fullShape: shape };
}

export function keptSize(g: ThumbGeometry): number {
  return g.shape.reduce((a, b) => a * b, 1);
}

/** One full row (or a full input, as a data-units base) as kept: cut, then averaged over blocks (edge blocks over what they hold). */
export function keepRow(row: Float32Array, g: ThumbGeometry): Float32Array {
  const cut = g.crop && g.fullShape.length === 3 ? cropRows(row, g.fullShape, g.channelsLast, g.crop) : { xstar: row.slice(), shape: [...g.fullShape] };
  if (g.factor === 1) return cut.xstar;
  const [h, w, C] = g.channelsLast ? [cut.shape[0], cut.shape[1], cut.shape[2]] : [cut.shape[1], cut.shape[2], cut.shape[0]];
  const [oh, ow] = g.channelsLast ? [g.shape[0], g.shape[1]] : [g.shape[1], g.shape[2]];
  const f = g.factor;
  const at = (c: number, y: number, x: number): number => (g.channelsLast ? (y * w + x) * C + c : (c * h + y) * w + x);
  const outAt = (c: number, y: number, x: number): number => (g.channelsLast ? (y * ow + x) * C + c : (c * oh + y) * ow + x);
  const out = new Float32Array(oh * ow * C);
  for (let c = 0; c < C; c++) {
    for (let by = 0; by < oh; by++) {
      const y1 = Math.min(h, (by + 1) * f);
      for (let bx = 0; bx < ow; bx++) {
        const x1 = Math.min(w, (bx + 1) * f);
        let sum = 0;
        for (let y = by * f; y < y1; y++) for (let x = bx * f; x < x1; x++) sum += cut.xstar[at(c, y, x)];
        out[outAt(c, by, bx)] = sum / ((y1 - by * f) * (x1 - bx * f));
      }
    }
  }
  return out;
}
