import { isOptimised } from '../optimise';
import { applyEpilogue, hasEpilogue, type Epilogue } from './epilogue';
import { gemmRowsWasm } from './gemm-wasm';

/**
 * Single-precision GEMM on row-major arrays: C[M×N] (+)= op(A)[M×K] · op(B)[K×N].
 * Dense A: a register-blocked kernel — B is packed in panels of four columns, and each
 * 4×4 block of C is summed in locals over a block of K, so every loaded value is used
 * four times and C is read and written once per block of K. Sparse A (one-hot seeds):
 * an i-k-j kernel that skips zero entries of A. The optimised engine sends the dense rows
 * to the WebAssembly SIMD kernel (gemm-wasm.ts); this file's kernel is the reference.
 */
export interface GemmArgs {
  m: number;
  n: number;
  k: number;
  a: Float32Array;
  aOffset?: number;
  /** A is stored as K×M (use Aᵀ). */
  transA?: boolean;
  b: Float32Array;
  bOffset?: number;
  /** B is stored as N×K (use Bᵀ). */
  transB?: boolean;
  c: Float32Array;
  cOffset?: number;
  /** Add into C instead of overwriting it. */
  accumulate?: boolean;
  /**
   * A (B) never changes between calls (a layer's weights): the optimised engine keeps its
   * transpose and its copy in WebAssembly memory instead of making them on every call.
   */
  constantA?: boolean;
  constantB?: boolean;
  /** Applied to C after the product (a convolution's bias and fused Clip): row i takes the bias at index i. */
  epilogue?: Epilogue;
}

const BLOCK_K = 256;
const BLOCK_N = 512;
/** Below this share of non-zero entries in A, the zero-skipping kernel wins (measured). */
const SPARSE_DENSITY = 0.3;


let packed = new Float32Array(BLOCK_K * BLOCK_N);

export function gemm(args: GemmArgs): void {
  const { m, n, k } = args;
  let a = args.a;
  let aOff = args.aOffset ?? 0;
  let b = args.b;
  let bOff = args.bOffset ?? 0;
  const c = args.c;
  const cOff = args.cOffset ?? 0;
  const keep = isOptimised();
  if (args.transA) {
    a = keep && args.constantA ? cachedTranspose(a, aOff, k, m) : transpose(a, aOff, k, m);
    aOff = 0;
  }
  if (args.transB) {
    b = keep && args.constantB ? cachedTranspose(b, bOff, n, k) : transpose(b, bOff, n, k);
    bOff = 0;
  }
  const overwrite = !args.accumulate;
  const after = args.epilogue && hasEpilogue(args.epilogue) ? args.epilogue : undefined;
  // The kernel is chosen per row of A, never from other rows, so a row's result does not
  // depend on which other seeds share the batch (the pool's results equal the engine's).
  const kinds = keep && args.constantA ? cachedRowKinds(a, aOff, m, k) : rowKinds(a, aOff, m, k);
  let dense = 0;
  if (denseRows.length < m) denseRows = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    if (kinds[i] === DENSE) {
      denseRows[dense++] = i;
      continue;
    }
    // The WebAssembly kernel starts dense rows from zero itself: only the others are cleared here.
    if (overwrite) c.fill(0, cOff + i * n, cOff + (i + 1) * n);
    if (kinds[i] === SPARSE) gemmRowSkippingZeros(i, n, k, a, aOff, b, bOff, c, cOff);
    if (after) applyEpilogue(c, cOff + i * n, 1, n, after, () => i);
  }
  if (dense === 0) return;
  // Every dense row goes to one kernel whatever m, n and k are, so a row's result is the same
  // bit for bit in any batch and any crop of the columns (the pool's results equal the engine's).
  const operands = { wholeA: !!args.constantA && dense === m, wholeB: !!args.constantB, overwrite, epilogue: after };
  if (keep && gemmRowsWasm(denseRows, dense, n, k, a, aOff, b, bOff, c, cOff, operands)) return;
  for (let r = 0; r < dense; r++) {
    const i = denseRows[r];
    if (overwrite) c.fill(0, cOff + i * n, cOff + (i + 1) * n);
  }
  gemmBlocked(denseRows, dense, n, k, a, aOff, b, bOff, c, cOff);
  if (after) for (let r = 0; r < dense; r++) applyEpilogue(c, cOff + denseRows[r] * n, 1, n, after, () => denseRows[r]);
}

let denseRows = new Int32Array(64);

const ZERO = 0;
const SPARSE = 1;
const DENSE = 2;

/** Per row of A: all zero, sparse (the zero-skipping kernel) or dense. */
function rowKinds(a: Float32Array, aOff: number, m: number, k: number): Uint8Array {
  const kinds = new Uint8Array(m);
  for (let i = 0; i < m; i++) {
    const row = aOff + i * k;
    let nonzero = 0;
    for (let p = 0; p < k; p++) if (a[row + p] !== 0) nonzero++;
    kinds[i] = k >= 4 && nonzero >= SPARSE_DENSITY * k ? DENSE : nonzero > 0 ? SPARSE : ZERO;
  }
  return kinds;
}

const rowKindCache = new WeakMap<Float32Array, Map<string, Uint8Array>>();

/** rowKinds of a constant A (a layer's weights), scanned once instead of on every call. */
function cachedRowKinds(a: Float32Array, aOff: number, m: number, k: number): Uint8Array {
  let byShape = rowKindCache.get(a);
  if (!byShape) rowKindCache.set(a, (byShape = new Map()));
  const key = `${aOff},${m},${k}`;
  let kinds = byShape.get(key);
  if (!kinds) byShape.set(key, (kinds = rowKinds(a, aOff, m, k)));
  return kinds;
}

/**
 * C += A·B with 4×4 blocks of C in locals; B packed per block of K × 4 columns (the last
 * panel padded with zero columns, which are computed but not stored).
 */
function gemmBlocked(
  rows: Int32Array, m: number, n: number, k: number,
  a: Float32Array, aOff: number, b: Float32Array, bOff: number, c: Float32Array, cOff: number,
): void {
  const m4 = m - (m % 4);
  for (let k0 = 0; k0 < k; k0 += BLOCK_K) {
    const kc = Math.min(k, k0 + BLOCK_K) - k0;
    for (let n0 = 0; n0 < n; n0 += BLOCK_N) {
      const width = Math.min(n, n0 + BLOCK_N) - n0;
      const panels = (width + 3) >> 2;
      if (packed.length < panels * 4 * kc) packed = new Float32Array(panels * 4 * kc);
      const pk = packed;
      // Panel q holds B[k0 + p][n0 + 4q … n0 + 4q + 3] at pk[(q·kc + p)·4 …].
      for (let p = 0; p < kc; p++) {
        const src = bOff + (k0 + p) * n + n0;
        for (let q = 0; q < panels; q++) {
          const d = (q * kc + p) * 4;
          const s = src + q * 4;
          const left = width - q * 4;
          pk[d] = b[s];
          pk[d + 1] = left > 1 ? b[s + 1] : 0;
          pk[d + 2] = left > 2 ? b[s + 2] : 0;
          pk[d + 3] = left > 3 ? b[s + 3] : 0;
        }
      }
      let i = 0;
      for (; i < m4; i += 4) {
        const r0 = aOff + rows[i] * k + k0;
        const r1 = aOff + rows[i + 1] * k + k0;
        const r2 = aOff + rows[i + 2] * k + k0;
        const r3 = aOff + rows[i + 3] * k + k0;
        for (let q = 0; q < panels; q++) {
          const j = n0 + q * 4;
          const c0 = cOff + rows[i] * n + j;
          const c1 = cOff + rows[i + 1] * n + j;
          const c2 = cOff + rows[i + 2] * n + j;
          const c3 = cOff + rows[i + 3] * n + j;
          let s00 = 0, s01 = 0, s02 = 0, s03 = 0;
          let s10 = 0, s11 = 0, s12 = 0, s13 = 0;
          let s20 = 0, s21 = 0, s22 = 0, s23 = 0;
          let s30 = 0, s31 = 0, s32 = 0, s33 = 0;
          let d = q * kc * 4;
          for (let p = 0; p < kc; p++, d += 4) {
            const b0 = pk[d];
            const b1 = pk[d + 1];
            const b2 = pk[d + 2];
            const b3 = pk[d + 3];
            const a0 = a[r0 + p];
            s00 += a0 * b0; s01 += a0 * b1; s02 += a0 * b2; s03 += a0 * b3;
            const a1 = a[r1 + p];
            s10 += a1 * b0; s11 += a1 * b1; s12 += a1 * b2; s13 += a1 * b3;
            const a2 = a[r2 + p];
            s20 += a2 * b0; s21 += a2 * b1; s22 += a2 * b2; s23 += a2 * b3;
            const a3 = a[r3 + p];
            s30 += a3 * b0; s31 += a3 * b1; s32 += a3 * b2; s33 += a3 * b3;
          }
          const left = width - q * 4;
          if (left >= 4) {
            c[c0] += s00; c[c0 + 1] += s01; c[c0 + 2] += s02; c[c0 + 3] += s03;
            c[c1] += s10; c[c1 + 1] += s11; c[c1 + 2] += s12; c[c1 + 3] += s13;
            c[c2] += s20; c[c2 + 1] += s21; c[c2 + 2] += s22; c[c2 + 3] += s23;
            c[c3] += s30; c[c3 + 1] += s31; c[c3 + 2] += s32; c[c3 + 3] += s33;
          } else {
            c[c0] += s00; c[c1] += s10; c[c2] += s20; c[c3] += s30;
            if (left > 1) { c[c0 + 1] += s01; c[c1 + 1] += s11; c[c2 + 1] += s21; c[c3 + 1] += s31; }
            if (left > 2) { c[c0 + 2] += s02; c[c1 + 2] += s12; c[c2 + 2] += s22; c[c3 + 2] += s32; }
          }
        }
      }
      for (; i < m; i++) {
        const r = aOff + rows[i] * k + k0;
        for (let q = 0; q < panels; q++) {
          const c0 = cOff + rows[i] * n + n0 + q * 4;
          let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
          let d = q * kc * 4;
          for (let p = 0; p < kc; p++, d += 4) {
            const v = a[r + p];
            s0 += v * pk[d]; s1 += v * pk[d + 1]; s2 += v * pk[d + 2]; s3 += v * pk[d + 3];
          }
          const left = width - q * 4;
          c[c0] += s0;
          if (left > 1) c[c0 + 1] += s1;
          if (left > 2) c[c0 + 2] += s2;
          if (left > 3) c[c0 + 3] += s3;
        }
      }
    }
  }
}

/** Row i of C += A·B, skipping zero entries of A (one-hot seeds): each entry of C gets its terms in order of K, in single precision. */
function gemmRowSkippingZeros(
  i: number, n: number, k: number,
  a: Float32Array, aOff: number, b: Float32Array, bOff: number, c: Float32Array, cOff: number,
): void {
  const cRow = cOff + i * n;
  const aRow = aOff + i * k;
  for (let n0 = 0; n0 < n; n0 += BLOCK_N) {
    const n1 = Math.min(n, n0 + BLOCK_N);
    for (let p = 0; p < k; p++) {
      const v = a[aRow + p];
      if (v === 0) continue;
      const bRow = bOff + p * n;
      for (let j = n0; j < n1; j++) c[cRow + j] += v * b[bRow + j];
    }
  }
}

const transposes = new WeakMap<Float32Array, Map<string, Float32Array>>();

/** transpose(), made once per constant block (weights) and kept while the array lives. */
export function cachedTranspose(src: Float32Array, offset: number, rows: number, cols: number): Float32Array {
  let byBlock = transposes.get(src);
  if (!byBlock) transposes.set(src, (byBlock = new Map()));
  const key = `${offset}:${rows}:${cols}`;
  let t = byBlock.get(key);
  if (!t) byBlock.set(key, (t = transpose(src, offset, rows, cols)));
  return t;
}

/** Returns the cols×rows transpose of a rows×cols row-major block. */
export function transpose(src: Float32Array, offset: number, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  const T = 32;
  for (let r0 = 0; r0 < rows; r0 += T) {
    const r1 = Math.min(rows, r0 + T);
    for (let c0 = 0; c0 < cols; c0 += T) {
      const c1 = Math.min(cols, c0 + T);
      for (let r = r0; r < r1; r++) {
        const s = offset + r * cols;
        for (let col = c0; col < c1; col++) out[col * rows + r] = src[s + col];
      }
    }
  }
  return out;
}
