import { mulberry32 } from '../../engine/random';
import type { InitSpec } from './spec';

/** Seeded weight initialisers of the network builder. Deterministic for a given seed. */

export function normalSampler(seed: number): () => number {
  const uniform = mulberry32(seed);
  return () => {
    const u = Math.max(uniform(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
}

/**
 * Weights of shape [out, fanIn, ...kernel] (dense: kernel empty). `kernel` are the spatial
 * sizes; Gabor and difference-of-Gaussians need a 2-D kernel (1-D uses the middle row).
 */
export function initWeights(init: InitSpec, out: number, fanIn: number, kernel: readonly number[]): Float32Array {
  const taps = kernel.reduce((a, b) => a * b, 1);
  const w = new Float32Array(out * fanIn * taps);
  const seed = init.seed ?? 0;
  switch (init.kind) {
    case 'normal': {
      const sd = init.scale ?? 1 / Math.sqrt(fanIn * taps);
      const next = normalSampler(seed);
      for (let i = 0; i < w.length; i++) w[i] = sd * next();
      return w;
    }
    case 'orthogonal':
      return orthogonal(out, fanIn * taps, seed, init.scale ?? 1);
    case 'identity': {
      // Dense: the identity matrix (cut to size); conv: a Dirac at the centre tap, channel i to i.
      const centre = kernel.reduce((acc, k) => acc * k + Math.floor((k - 1) / 2), 0);
      const gain = init.scale ?? 1;
      for (let o = 0; o < out; o++) if (o < fanIn) w[(o * fanIn + o) * taps + centre] = gain;
      return w;
    }
    case 'gabor':
    case 'dog':
      return filterBank(init.kind, out, fanIn, kernel, init.scale ?? 1);
  }
}

/** Past this many multiply-adds (about a minute) an orthogonal initialisation is refused before it starts. */
export const MAX_ORTHOGONAL_OPERATIONS = 2 ** 36;

/** Multiply-adds of orthogonal(rows, cols): two Gram–Schmidt passes, cubic in the smaller side. */
export function orthogonalOperations(rows: number, cols: number): number {
  const [n, m] = rows > cols ? [cols, rows] : [rows, cols];
  return 2 * n * n * m;
}

/** Rows (or columns, when there are more rows than columns) orthonormal: Gram–Schmidt on a seeded normal matrix. */
function orthogonal(rows: number, cols: number, seed: number, gain: number): Float32Array {
  const tall = rows > cols;
  const [n, m] = tall ? [cols, rows] : [rows, cols];
  const next = normalSampler(seed);
  const q = new Float64Array(n * m);
  for (let i = 0; i < q.length; i++) q[i] = next();
  for (let i = 0; i < n; i++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < i; j++) {
        let d = 0;
        for (let k = 0; k < m; k++) d += q[i * m + k] * q[j * m + k];
        for (let k = 0; k < m; k++) q[i * m + k] -= d * q[j * m + k];
      }
    }
    let norm = 0;
    for (let k = 0; k < m; k++) norm += q[i * m + k] ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let k = 0; k < m; k++) q[i * m + k] /= norm;
  }
  const w = new Float32Array(rows * cols);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < m; k++) {
      if (tall) w[k * cols + i] = gain * q[i * m + k];
      else w[i * cols + k] = gain * q[i * m + k];
    }
  }
  return w;
}

/** Oriented Gabor filters, or centre–surround differences of Gaussians of growing size, alternating sign. */
function filterBank(kind: 'gabor' | 'dog', out: number, fanIn: number, kernel: readonly number[], gain: number): Float32Array {
  const kh = kernel.length === 2 ? kernel[0] : 1;
  const kw = kernel[kernel.length - 1] ?? 1;
  const taps = kh * kw;
  const w = new Float32Array(out * fanIn * taps);
  const cy = (kh - 1) / 2;
  const cx = (kw - 1) / 2;
  const extent = Math.max(kh, kw);
  for (let o = 0; o < out; o++) {
    const filter = new Float64Array(taps);
    for (let y = 0; y < kh; y++) {
      for (let x = 0; x < kw; x++) {
        const dy = y - cy;
        const dx = x - cx;
        if (kind === 'gabor') {
          const theta = (Math.PI * o) / Math.max(1, out);
          const sigma = Math.max(0.5, extent / 4);
          const lambda = Math.max(2, extent / 2);
          const xr = dx * Math.cos(theta) + dy * Math.sin(theta);
          const yr = -dx * Math.sin(theta) + dy * Math.cos(theta);
          filter[y * kw + x] = Math.exp(-(xr * xr + yr * yr) / (2 * sigma * sigma)) * Math.cos((2 * Math.PI * xr) / lambda);
        } else {
          const s1 = Math.max(0.5, (extent / 8) * (1 + (o >> 1) / Math.max(1, out / 2)));
          const s2 = 2 * s1;
          const r2 = dx * dx + dy * dy;
          const g = (s: number): number => Math.exp(-r2 / (2 * s * s)) / (2 * Math.PI * s * s);
          filter[y * kw + x] = (o % 2 === 0 ? 1 : -1) * (g(s1) - g(s2));
        }
      }
    }
    let norm = 0;
    for (const v of filter) norm += v * v;
    const scale = gain / (Math.sqrt(norm) || 1) / Math.sqrt(fanIn);
    for (let i = 0; i < fanIn; i++) {
      for (let t = 0; t < taps; t++) w[(o * fanIn + i) * taps + t] = filter[t] * scale;
    }
  }
  return w;
}
