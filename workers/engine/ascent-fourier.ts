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
  readonly cosY: Float64Array;
  readonly sinY: Float64Array;
  readonly cosX: Float64Array;
  readonly sinX: Float64Array;
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
  const table = (size: number, f: (t: number) => number): Float64Array => {
    const out = new Float64Array(size * size);
    for (let k = 0; k < size; k++) for (let j = 0; j < size; j++) out[k * size + j] = f((2 * Math.PI * ((k * j) % size)) / size);
    return out;
  };
  return {
    grid,
    lo: range[0],
    hi: range[1],
    scale,
    cosY: table(h, Math.cos),
    sinY: table(h, Math.sin),
    cosX: table(w, Math.cos),
    sinX: table(w, Math.sin),
    colour: grid.channels === 3 ? colourMatrices() : undefined,
  };
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

function pixel(g: Grid, c: number, y: number, x: number): number {
  return c * g.channelStride + y * g.rowStride + x * g.colStride;
}

/** u = the spatial image of spectrum p (channel-major C×H×W, before colour and range). */
function spectrumToSpatial(im: FourierImage, p: Float64Array): Float64Array {
  const { channels: cs, height: h, width: w } = im.grid;
  const n = h * w;
  const u = new Float64Array(cs * n);
  const re = new Float64Array(w);
  const imag = new Float64Array(w);
  for (let c = 0; c < cs; c++) {
    const base = 2 * c * n;
    // Along x for each ky: T[ky, x] = Σ_kx s·(a + ib)·e^{2πi kx x / W}; then along y, keeping the real part.
    for (let ky = 0; ky < h; ky++) {
      re.fill(0);
      imag.fill(0);
      for (let kx = 0; kx < w; kx++) {
        const k = ky * w + kx;
        const a = p[base + 2 * k] * im.scale[k];
        const b = p[base + 2 * k + 1] * im.scale[k];
        if (a === 0 && b === 0) continue;
        for (let x = 0; x < w; x++) {
          const cs_ = im.cosX[kx * w + x];
          const sn = im.sinX[kx * w + x];
          re[x] += a * cs_ - b * sn;
          imag[x] += a * sn + b * cs_;
        }
      }
      for (let y = 0; y < h; y++) {
        const cy = im.cosY[ky * h + y];
        const sy = im.sinY[ky * h + y];
        const row = c * n + y * w;
        for (let x = 0; x < w; x++) u[row + x] += re[x] * cy - imag[x] * sy;
      }
    }
  }
  return u;
}

/** The adjoint of spectrumToSpatial: ∂L/∂p from ∂L/∂u. */
function spatialToSpectrum(im: FourierImage, gu: Float64Array): Float64Array {
  const { channels: cs, height: h, width: w } = im.grid;
  const n = h * w;
  const gp = new Float64Array(2 * cs * n);
  const re = new Float64Array(w);
  const imag = new Float64Array(w);
  for (let c = 0; c < cs; c++) {
    const base = 2 * c * n;
    // G_k = Σ_n g_n e^{−2πi k·n}: along y first, then along x; ∂a_k = s_k Re G_k, ∂b_k = s_k Im G_k.
    for (let ky = 0; ky < h; ky++) {
      re.fill(0);
      imag.fill(0);
      for (let y = 0; y < h; y++) {
        const cy = im.cosY[ky * h + y];
        const sy = im.sinY[ky * h + y];
        const row = c * n + y * w;
        for (let x = 0; x < w; x++) {
          re[x] += gu[row + x] * cy;
          imag[x] -= gu[row + x] * sy;
        }
      }
      for (let kx = 0; kx < w; kx++) {
        let gr = 0;
        let gi = 0;
        for (let x = 0; x < w; x++) {
          const cx = im.cosX[kx * w + x];
          const sx = im.sinX[kx * w + x];
          gr += re[x] * cx + imag[x] * sx;
          gi += imag[x] * cx - re[x] * sx;
        }
        const k = ky * w + kx;
        gp[base + 2 * k] = gr * im.scale[k];
        gp[base + 2 * k + 1] = gi * im.scale[k];
      }
    }
  }
  return gp;
}

function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

/** The image of spectrum p in the model's layout, and what its adjoint needs (σ' per pixel). */
export function renderImage(im: FourierImage, p: Float64Array): { x: Float32Array; slope: Float64Array } {
  const u = spectrumToSpatial(im, p);
  const { channels: cs, height: h, width: w } = im.grid;
  const n = h * w;
  const x = new Float32Array(cs * n);
  const slope = new Float64Array(cs * n);
  for (let y = 0; y < h; y++) {
    for (let xx = 0; xx < w; xx++) {
      const at = y * w + xx;
      for (let c = 0; c < cs; c++) {
        let v = u[c * n + at];
        if (im.colour) v = im.colour.m[3 * c] * u[at] + im.colour.m[3 * c + 1] * u[n + at] + im.colour.m[3 * c + 2] * u[2 * n + at];
        const s = sigmoid(v);
        const k = pixel(im.grid, c, y, xx);
        x[k] = im.lo + (im.hi - im.lo) * s;
        slope[k] = (im.hi - im.lo) * s * (1 - s);
      }
    }
  }
  return { x, slope };
}

/** ∂L/∂p from ∂L/∂x (model layout), σ' from renderImage at the same p. */
export function imageGradientToSpectrum(im: FourierImage, gx: ArrayLike<number>, slope: Float64Array): Float64Array {
  const { channels: cs, height: h, width: w } = im.grid;
  const n = h * w;
  const gu = new Float64Array(cs * n);
  for (let y = 0; y < h; y++) {
    for (let xx = 0; xx < w; xx++) {
      const at = y * w + xx;
      for (let c = 0; c < cs; c++) {
        const k = pixel(im.grid, c, y, xx);
        const gv = gx[k] * slope[k];
        if (!im.colour) {
          gu[c * n + at] += gv;
          continue;
        }
        // u → v = M·u, so ∂u = Mᵀ·∂v.
        for (let d = 0; d < 3; d++) gu[d * n + at] += im.colour.m[3 * c + d] * gv;
      }
    }
  }
  return spatialToSpectrum(im, gu);
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
  const unscaled = spatialToSpectrum({ ...im, scale: new Float64Array(n).fill(1) }, u);
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
