import { gemm } from './kernels/gemm';
import type { Grid } from './ascent-regularisers';

/**
 * The readable ascent's image parameterisation (Olah et al. 2017, "Feature Visualization";
 * the idea of Lucid's param.spatial and param.color, written anew):
 *
 *   p (spectrum) → u = Re(Σ_k s_k (a_k + i b_k) e^{2πi k·n}) / (4√N)   decorrelated Fourier basis, 1/f scaled
 *                → v = M·u per pixel                                 colour decorrelation (3 channels only)
 *                → x = lo + (hi − lo)·σ(v)                            into the model's value range
 *
 * s_k = 1 / max(|f_k|, 1/max(H, W)) makes a step in p move low frequencies more than high
 * ones, so the gradient's high-frequency noise does not pile up in the image. p holds the
 * real and imaginary part of every frequency of every channel (2·C·H·W numbers; the
 * redundant half only doubles the step's effect on the real image).
 */
export interface FourierImage {
  readonly grid: Grid;
  readonly lo: number;
  readonly hi: number;
  /** Per frequency (ky·W + kx): s_k / (4√N). */
  readonly scale: Float64Array;
  /** The transforms as float32 matrices for the batched GEMMs (dftMatrices). */
  readonly dft: DftMatrices;
  /** The colour matrix (row-major 3×3) and its inverse, or undefined when the input has no 3 channels. */
  readonly colour?: { readonly m: Float64Array; readonly inverse: Float64Array };
}

/**
 * ImageNet's colour correlation, square-rooted (the matrix Lucid publishes as
 * color_correlation_svd_sqrt), normalised so its largest column has norm 1.
 */
const COLOUR_SQRT = [0.26, 0.09, 0.02, 0.27, 0.0, -0.05, 0.27, -0.09, 0.03];

export function fourierImage(grid: Grid, range: readonly [number, number]): FourierImage {
  const { height: h, width: w } = grid;
  const n = h * w;
  const scale = new Float64Array(n);
  const floor = 1 / Math.max(h, w);
  for (let ky = 0; ky < h; ky++) {
    for (let kx = 0; kx < w; kx++) {
      const fy = Math.min(ky, h - ky) / h;
      const fx = Math.min(kx, w - kx) / w;
      scale[ky * w + kx] = 1 / Math.max(Math.hypot(fy, fx), floor) / (4 * Math.sqrt(n));
    }
  }
  return {
    grid,
    lo: range[0],
    hi: range[1],
    scale,
    colour: grid.channels === 3 ? colourMatrices() : undefined,
    dft: dftMatrices(h, w),
  };
}

/**
 * The 2-D synthesis as two real matrix products on the engine's GEMM, each one product for
 * the whole batch (images × channels = planes): along x, T = S·X with S's rows (plane, ky) of
 * interleaved (a, b) and X[(kx, a|b), (re|im, x)] the rotation by 2π·kx·x/W; along y, with T
 * regrouped as rows (re|im, ky) and columns (plane, x), u = [cos | −sin]·T, which is
 * u = cos·Re T − sin·Im T for every plane side by side. The analysis is the transpose of both.
 */
interface DftMatrices {
  /** 2W × 2W: rows (kx, a|b), columns (re|im, x). */
  readonly x: Float32Array;
  /** H × 2H: [cos(2π·ky·y/H) | −sin(2π·ky·y/H)], rows y. */
  readonly y: Float32Array;
  /** Its transpose, 2H × H (the analysis). */
  readonly yT: Float32Array;
}

function dftMatrices(h: number, w: number): DftMatrices {
  const x = new Float32Array(4 * w * w);
  for (let k = 0; k < w; k++) {
    for (let j = 0; j < w; j++) {
      const t = (2 * Math.PI * ((k * j) % w)) / w;
      const [c, s] = [Math.cos(t), Math.sin(t)];
      x[(2 * k) * 2 * w + j] = c;
      x[(2 * k) * 2 * w + w + j] = s;
      x[(2 * k + 1) * 2 * w + j] = -s;
      x[(2 * k + 1) * 2 * w + w + j] = c;
    }
  }
  const y = new Float32Array(2 * h * h);
  const yT = new Float32Array(2 * h * h);
  for (let k = 0; k < h; k++) {
    for (let j = 0; j < h; j++) {
      const t = (2 * Math.PI * ((k * j) % h)) / h;
      y[j * 2 * h + k] = yT[k * h + j] = Math.cos(t);
      y[j * 2 * h + h + k] = yT[(h + k) * h + j] = -Math.sin(t);
    }
  }
  return { x, y, yT };
}

function colourMatrices(): { m: Float64Array; inverse: Float64Array } {
  let largest = 0;
  for (let c = 0; c < 3; c++) largest = Math.max(largest, Math.hypot(COLOUR_SQRT[c], COLOUR_SQRT[3 + c], COLOUR_SQRT[6 + c]));
  const m = Float64Array.from(COLOUR_SQRT, (v) => v / largest);
  const [a, b, c, d, e, f, g, h, i] = m;
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  const inverse = Float64Array.from([e * i - f * h, c * h - b * i, b * f - c * e, f * g - d * i, a * i - c * g, c * d - a * f, d * h - e * g, b * g - a * h, a * e - b * d], (v) => v / det);
  return { m, inverse };
}

export function parameterCount(im: FourierImage): number {
  return 2 * im.grid.channels * im.grid.height * im.grid.width;
}

/** Where spectraToSpatial puts pixel (y, x) of channel 0 of image i of `images` (channel c is c·W further). */
function uIndex(g: Grid, images: number, i: number, y: number, x: number): number {
  return y * images * g.channels * g.width + i * g.channels * g.width + x;
}

function pixel(g: Grid, c: number, y: number, x: number): number {
  return c * g.channelStride + y * g.rowStride + x * g.colStride;
}

/** u = the spatial images of the spectra ps: rows y, columns (plane = image·C + channel, x), before colour and range. */
function spectraToSpatial(im: FourierImage, ps: readonly Float64Array[]): Float32Array {
  const { channels: cs, height: h, width: w } = im.grid;
  const n = h * w;
  const planes = ps.length * cs;
  const scaled = new Float32Array(planes * 2 * n);
  ps.forEach((p, i) => {
    const o = i * cs * 2 * n;
    for (let c = 0; c < cs; c++) {
      for (let k = 0; k < n; k++) {
        scaled[o + 2 * c * n + 2 * k] = p[2 * c * n + 2 * k] * im.scale[k];
        scaled[o + 2 * c * n + 2 * k + 1] = p[2 * c * n + 2 * k + 1] * im.scale[k];
      }
    }
  });
  const t = new Float32Array(planes * 2 * n);
  gemm({ m: planes * h, n: 2 * w, k: 2 * w, a: scaled, b: im.dft.x, c: t, constantB: true });
  // Rows (plane, ky) × (re|im, x) → rows (re|im, ky) × (plane, x).
  const regrouped = new Float32Array(planes * 2 * n);
  const span = planes * w;
  for (let q = 0; q < planes; q++) {
    for (let ky = 0; ky < h; ky++) {
      const from = (q * h + ky) * 2 * w;
      regrouped.set(t.subarray(from, from + w), ky * span + q * w);
      regrouped.set(t.subarray(from + w, from + 2 * w), (h + ky) * span + q * w);
    }
  }
  const u = new Float32Array(planes * n);
  gemm({ m: h, n: span, k: 2 * h, a: im.dft.y, b: regrouped, c: u, constantA: true });
  return u;
}

/** The adjoint of spectraToSpatial: ∂L/∂p of each image from ∂L/∂u (laid out as spectraToSpatial's u). */
function spatialToSpectra(im: FourierImage, gu: Float32Array, images: number): Float64Array[] {
  const { channels: cs, height: h, width: w } = im.grid;
  const n = h * w;
  const planes = images * cs;
  const span = planes * w;
  const regrouped = new Float32Array(planes * 2 * n);
  gemm({ m: 2 * h, n: span, k: h, a: im.dft.yT, b: gu, c: regrouped, constantA: true });
  const tBar = new Float32Array(planes * 2 * n);
  for (let q = 0; q < planes; q++) {
    for (let ky = 0; ky < h; ky++) {
      const to = (q * h + ky) * 2 * w;
      tBar.set(regrouped.subarray(ky * span + q * w, ky * span + (q + 1) * w), to);
      tBar.set(regrouped.subarray((h + ky) * span + q * w, (h + ky) * span + (q + 1) * w), to + w);
    }
  }
  const pBar = new Float32Array(planes * 2 * n);
  gemm({ m: planes * h, n: 2 * w, k: 2 * w, a: tBar, b: im.dft.x, transB: true, c: pBar, constantB: true });
  return Array.from({ length: images }, (_, i) => {
    const gp = new Float64Array(2 * cs * n);
    const o = i * cs * 2 * n;
    for (let c = 0; c < cs; c++) {
      for (let k = 0; k < n; k++) {
        const at = 2 * (c * n + k);
        gp[at] = pBar[o + at] * im.scale[k];
        gp[at + 1] = pBar[o + at + 1] * im.scale[k];
      }
    }
    return gp;
  });
}

function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

/** The image of spectrum p in the model's layout, and what its adjoint needs (σ' per pixel). */
export function renderImage(im: FourierImage, p: Float64Array): { x: Float32Array; slope: Float64Array } {
  const { xs, slopes } = renderImages(im, [p]);
  return { x: xs, slope: slopes[0] };
}

/** renderImage of every spectrum in one batch: the images one after the other, and their σ'. */
export function renderImages(im: FourierImage, ps: readonly Float64Array[]): { xs: Float32Array; slopes: Float64Array[] } {
  const { channels: cs, height: h, width: w } = im.grid;
  const size = cs * h * w;
  const u = spectraToSpatial(im, ps);
  const xs = new Float32Array(ps.length * size);
  const m = im.colour?.m;
  const { lo } = im;
  const span = im.hi - im.lo;
  const slopes = ps.map((_, i) => {
    const slope = new Float64Array(size);
    const o = i * size;
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        const at = uIndex(im.grid, ps.length, i, y, xx);
        const k0 = pixel(im.grid, 0, y, xx);
        for (let c = 0; c < cs; c++) {
          const v = m ? m[3 * c] * u[at] + m[3 * c + 1] * u[w + at] + m[3 * c + 2] * u[2 * w + at] : u[at + c * w];
          const s = sigmoid(v);
          const k = k0 + c * im.grid.channelStride;
          xs[o + k] = lo + span * s;
          slope[k] = span * s * (1 - s);
        }
      }
    }
    return slope;
  });
  return { xs, slopes };
}

/** ∂L/∂p from ∂L/∂x (model layout), σ' from renderImage at the same p. */
export function imageGradientToSpectrum(im: FourierImage, gx: ArrayLike<number>, slope: Float64Array): Float64Array {
  return imageGradientsToSpectra(im, [gx], [slope])[0];
}

/** imageGradientToSpectrum of every image in one batch. */
export function imageGradientsToSpectra(im: FourierImage, gxs: readonly ArrayLike<number>[], slopes: readonly Float64Array[]): Float64Array[] {
  const { channels: cs, height: h, width: w } = im.grid;
  const n = h * w;
  const gu = new Float32Array(gxs.length * cs * n);
  const m = im.colour?.m;
  gxs.forEach((gx, i) => {
    const slope = slopes[i];
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        const at = uIndex(im.grid, gxs.length, i, y, xx);
        const k0 = pixel(im.grid, 0, y, xx);
        if (!m) {
          for (let c = 0; c < cs; c++) gu[at + c * w] = gx[k0 + c * im.grid.channelStride] * slope[k0 + c * im.grid.channelStride];
          continue;
        }
        // u → v = M·u, so ∂u = Mᵀ·∂v; summed in float32 in the order of the channels, as gu would.
        let [g0, g1, g2] = [0, 0, 0];
        for (let c = 0; c < 3; c++) {
          const k = k0 + c * im.grid.channelStride;
          const gv = gx[k] * slope[k];
          g0 = Math.fround(g0 + m[3 * c] * gv);
          g1 = Math.fround(g1 + m[3 * c + 1] * gv);
          g2 = Math.fround(g2 + m[3 * c + 2] * gv);
        }
        gu[at] = g0;
        gu[at + w] = g1;
        gu[at + 2 * w] = g2;
      }
    }
  });
  return spatialToSpectra(im, gu, gxs.length);
}

/**
 * A spectrum whose image is `target` (model layout, inside the value range) seen through the
 * 1/f prior: the exact inverse of renderImage, with every frequency then damped by
 * s_k / s_max, so the warm start keeps the target's coarse structure but not its fine noise.
 */
export function spectrumOf(im: FourierImage, target: ArrayLike<number>): Float64Array {
  const { channels: cs, height: h, width: w } = im.grid;
  const n = h * w;
  const eps = 1e-3;
  const v = new Float64Array(cs * n);
  for (let c = 0; c < cs; c++) {
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        const t = Math.min(1 - eps, Math.max(eps, (target[pixel(im.grid, c, y, xx)] - im.lo) / (im.hi - im.lo)));
        v[c * n + y * w + xx] = Math.log(t / (1 - t));
      }
    }
  }
  let u = v;
  if (im.colour) {
    u = new Float64Array(cs * n);
    for (let at = 0; at < n; at++) {
      for (let c = 0; c < 3; c++) {
        u[c * n + at] = im.colour.inverse[3 * c] * v[at] + im.colour.inverse[3 * c + 1] * v[n + at] + im.colour.inverse[3 * c + 2] * v[2 * n + at];
      }
    }
  }
  // The adjoint of the unscaled synthesis is the forward DFT; dividing by N and s_k inverts it.
  const rows = new Float32Array(cs * n);
  for (let c = 0; c < cs; c++) {
    for (let y = 0; y < h; y++) rows.set(u.subarray(c * n + y * w, c * n + (y + 1) * w), uIndex(im.grid, 1, 0, y, 0) + c * w);
  }
  const unscaled = spatialToSpectra({ ...im, scale: new Float64Array(n).fill(1) }, rows, 1)[0];
  const smax = im.scale[0];
  for (let c = 0; c < cs; c++) {
    for (let k = 0; k < n; k++) {
      const f = 1 / (n * im.scale[k]) * (im.scale[k] / smax);
      unscaled[2 * c * n + 2 * k] *= f;
      unscaled[2 * c * n + 2 * k + 1] *= f;
    }
  }
  return unscaled;
}
