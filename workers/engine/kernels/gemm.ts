/**
 * Single-precision GEMM on row-major arrays: C[M×N] (+)= op(A)[M×K] · op(B)[K×N].
 * The reference kernel of the engine: blocked over K and N so a panel of B stays in
 * cache, i-k-j order so the innermost loop streams contiguous rows, four rows of C per
 * pass so each loaded B value is used four times. No allocation but for transposes.
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
}

const BLOCK_K = 128;
const BLOCK_N = 512;

export function gemm(args: GemmArgs): void {
  const { m, n, k } = args;
  let a = args.a;
  let aOff = args.aOffset ?? 0;
  let b = args.b;
  let bOff = args.bOffset ?? 0;
  const c = args.c;
  const cOff = args.cOffset ?? 0;
  if (args.transA) {
    a = transpose(a, aOff, k, m);
    aOff = 0;
  }
  if (args.transB) {
    b = transpose(b, bOff, n, k);
    bOff = 0;
  }
  if (!args.accumulate) c.fill(0, cOff, cOff + m * n);
  for (let k0 = 0; k0 < k; k0 += BLOCK_K) {
    const k1 = Math.min(k, k0 + BLOCK_K);
    for (let n0 = 0; n0 < n; n0 += BLOCK_N) {
      const n1 = Math.min(n, n0 + BLOCK_N);
      let i = 0;
      for (; i + 4 <= m; i += 4) {
        const c0 = cOff + i * n;
        const c1 = c0 + n;
        const c2 = c1 + n;
        const c3 = c2 + n;
        const a0 = aOff + i * k;
        for (let p = k0; p < k1; p++) {
          const v0 = a[a0 + p];
          const v1 = a[a0 + k + p];
          const v2 = a[a0 + 2 * k + p];
          const v3 = a[a0 + 3 * k + p];
          if (v0 === 0 && v1 === 0 && v2 === 0 && v3 === 0) continue;
          const bRow = bOff + p * n;
          for (let j = n0; j < n1; j++) {
            const bv = b[bRow + j];
            c[c0 + j] += v0 * bv;
            c[c1 + j] += v1 * bv;
            c[c2 + j] += v2 * bv;
            c[c3 + j] += v3 * bv;
          }
        }
      }
      for (; i < m; i++) {
        const cRow = cOff + i * n;
        const aRow = aOff + i * k;
        for (let p = k0; p < k1; p++) {
          const v = a[aRow + p];
          if (v === 0) continue;
          const bRow = bOff + p * n;
          for (let j = n0; j < n1; j++) c[cRow + j] += v * b[bRow + j];
        }
      }
    }
  }
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
