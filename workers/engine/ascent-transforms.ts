import type { Grid } from './ascent-regularisers';

/**
 * The readable ascent's robustness transforms (as Lucid's transform.standard_transforms:
 * jitter, random scale, random rotation): each step takes the gradient at a randomly moved,
 * scaled and turned copy of the image, so only features that survive small moves grow.
 * The three are one affine resampling, bilinear with the edges repeated; its adjoint sends
 * the gradient back onto the image.
 */
export interface Resampling {
  /** Per output pixel (y·W + x): four source pixels (y·W + x) and their weights. */
  readonly sources: Int32Array;
  readonly weights: Float64Array;
}

export interface TransformRanges {
  /** Largest shift in pixels. */
  readonly jitter: number;
  /** Largest relative change of scale (0.1: from 0.9 to 1.1). */
  readonly scale: number;
  /** Largest rotation in degrees. */
  readonly degrees: number;
}

/** Ranges that suit an image of this size: Lucid's for 224 pixels, shrunk in proportion (jitter at least 1 pixel). */
export function defaultRanges(g: Grid): TransformRanges {
  return { jitter: Math.max(1, Math.round(Math.max(g.height, g.width) / 28)), scale: 0.1, degrees: 10 };
}

/** One random transform drawn from `rng` (uniform numbers in [0, 1)). */
export function drawResampling(g: Grid, ranges: TransformRanges, rng: () => number): Resampling {
  const uniform = (a: number): number => (2 * rng() - 1) * a;
  const shiftY = g.height > 1 ? Math.round(uniform(ranges.jitter)) : 0;
  const shiftX = Math.round(uniform(ranges.jitter));
  const zoom = 1 + uniform(ranges.scale);
  const angle = g.height > 1 ? (uniform(ranges.degrees) * Math.PI) / 180 : 0;
  return affineResampling(g, zoom, angle, shiftY, shiftX);
}

/** Output pixel p samples the image at centre + R(−angle)·(p − centre)/zoom − shift. */
export function affineResampling(g: Grid, zoom: number, angle: number, shiftY: number, shiftX: number): Resampling {
  const { height: h, width: w } = g;
  const sources = new Int32Array(4 * h * w);
  const weights = new Float64Array(4 * h * w);
  const cy = (h - 1) / 2;
  const cx = (w - 1) / 2;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const clamp = (v: number, n: number): number => Math.min(n - 1, Math.max(0, v));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const dy = (y - cy) / zoom;
      const dx = (x - cx) / zoom;
      const sy = clamp(cy + cos * dy + sin * dx - shiftY, h);
      const sx = clamp(cx - sin * dy + cos * dx - shiftX, w);
      const y0 = Math.floor(sy);
      const x0 = Math.floor(sx);
      const y1 = Math.min(y0 + 1, h - 1);
      const x1 = Math.min(x0 + 1, w - 1);
      const fy = sy - y0;
      const fx = sx - x0;
      const o = 4 * (y * w + x);
      sources[o] = y0 * w + x0;
      sources[o + 1] = y0 * w + x1;
      sources[o + 2] = y1 * w + x0;
      sources[o + 3] = y1 * w + x1;
      weights[o] = (1 - fy) * (1 - fx);
      weights[o + 1] = (1 - fy) * fx;
      weights[o + 2] = fy * (1 - fx);
      weights[o + 3] = fy * fx;
    }
  }
  return { sources, weights };
}

const spatialOffsets = new WeakMap<Grid, Int32Array>();

/** Per spatial index y·W + x, its offset in the model layout (channel 0), kept per grid: every step resamples on the same one. */
function offsetsOf(g: Grid): Int32Array {
  let offsets = spatialOffsets.get(g);
  if (!offsets) {
    offsets = Int32Array.from({ length: g.height * g.width }, (_, s) => Math.floor(s / g.width) * g.rowStride + (s % g.width) * g.colStride);
    spatialOffsets.set(g, offsets);
  }
  return offsets;
}

/** The transformed image (model layout). */
export function resample(g: Grid, r: Resampling, image: ArrayLike<number>): Float32Array {
  const out = new Float32Array(image.length);
  const n = g.height * g.width;
  const at = offsetsOf(g);
  const { sources, weights } = r;
  for (let c = 0; c < g.channels; c++) {
    const base = c * g.channelStride;
    for (let p = 0; p < n; p++) {
      let v = 0;
      for (let j = 4 * p; j < 4 * p + 4; j++) v += weights[j] * image[base + at[sources[j]]];
      out[base + at[p]] = v;
    }
  }
  return out;
}

/** The adjoint of resample: a gradient on the transformed image, sent back onto the image. */
export function resampleAdjoint(g: Grid, r: Resampling, gradient: ArrayLike<number>): Float64Array {
  const out = new Float64Array(gradient.length);
  const n = g.height * g.width;
  const at = offsetsOf(g);
  const { sources, weights } = r;
  for (let c = 0; c < g.channels; c++) {
    const base = c * g.channelStride;
    for (let p = 0; p < n; p++) {
      const gp = gradient[base + at[p]];
      if (gp === 0) continue;
      for (let j = 4 * p; j < 4 * p + 4; j++) out[base + at[sources[j]]] += weights[j] * gp;
    }
  }
  return out;
}
