import { describe, expect, it } from 'vitest';
import { gemm as gemmAny } from '../../workers/engine/kernels/gemm';
import { wasmGemm } from '../../workers/engine/kernels/gemm-wasm';
import { withOptimised } from '../../workers/engine/optimise';

/** Deterministic values in [-0.5, 0.5) (a small LCG), with a share of exact zeros. */
function values(count: number, seed: number, zeroShare = 0): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 2 ** 32;
    out[i] = u < zeroShare ? 0 : ((s >>> 8) / 2 ** 24) - 0.5;
  }
  return out;
}

/** The textbook triple loop in double precision: the truth the kernels are held to. */
function naive(m: number, n: number, k: number, a: Float32Array, aOff: number, transA: boolean, b: Float32Array, bOff: number, transB: boolean): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const av = transA ? a[aOff + p * m + i] : a[aOff + i * k + p];
        const bv = transB ? b[bOff + j * k + p] : b[bOff + p * n + j];
        s += av * bv;
      }
      c[i * n + j] = s;
    }
  }
  return c;
}

interface Case {
  m: number;
  n: number;
  k: number;
  transA?: boolean;
  transB?: boolean;
  zeroShare?: number;
}

const cases: Case[] = [
  { m: 1, n: 1, k: 1 },
  { m: 3, n: 5, k: 7 },
  // Dense A, sizes that are and are not multiples of the 4×4 block, K beyond one block of 256.
  { m: 8, n: 16, k: 12 },
  { m: 37, n: 130, k: 61 },
  { m: 64, n: 600, k: 9 },
  { m: 13, n: 21, k: 300 },
  { m: 6, n: 1030, k: 5 },
  { m: 9, n: 7, k: 11, transA: true },
  { m: 10, n: 18, k: 20, transB: true },
  { m: 17, n: 19, k: 23, transA: true, transB: true },
  // At most four columns (a half-empty panel of the WebAssembly kernel's eight): rows not a multiple of four, K past 256.
  { m: 37, n: 4, k: 300 },
  { m: 9, n: 3, k: 17 },
  { m: 16, n: 1, k: 513 },
  { m: 8, n: 2, k: 5 },
  // Sparse A (one-hot-like seeds) takes the zero-skipping kernel.
  { m: 12, n: 40, k: 50, zeroShare: 0.9 },
  { m: 5, n: 9, k: 64, zeroShare: 1 },
];

/** Larger products for the WebAssembly kernel: several blocks of K and N, edges included. */
const bigCases: Case[] = [
  { m: 33, n: 517, k: 259 },
  { m: 4, n: 8, k: 600 },
  { m: 130, n: 1029, k: 3 },
  { m: 1, n: 2048, k: 1 },
  { m: 7, n: 13, k: 200, transB: true },
];

// Both kernels against the same truth: the TypeScript reference and the WebAssembly SIMD one.
describe.each([
  ['reference TypeScript kernel', false],
  ['WebAssembly SIMD kernel (optimised engine)', true],
] as const)('gemm, %s', (_, optimised) => {
  const gemm = (args: Parameters<typeof gemmAny>[0]): void => withOptimised(optimised, () => gemmAny(args));
  if (optimised) {
    it('has the WebAssembly kernel available here (Node 20 has SIMD)', () => {
      expect(wasmGemm()).not.toBeNull();
    });
  }
  for (const t of [...cases, ...(optimised ? bigCases : [])]) {
    const { m, n, k } = t;
    const name = `${m}×${k}·${k}×${n}${t.transA ? ' Aᵀ' : ''}${t.transB ? ' Bᵀ' : ''}${t.zeroShare ? ` ${t.zeroShare * 100}% zeros in A` : ''}`;
    it(`${name}: matches the double-precision triple loop, at offsets, overwriting and accumulating`, () => {
      const aOff = 3;
      const bOff = 5;
      const cOff = 2;
      const a = values(aOff + m * k, 11 + m, t.zeroShare ?? 0);
      const b = values(bOff + k * n, 29 + n);
      const truth = naive(m, n, k, a, aOff, t.transA ?? false, b, bOff, t.transB ?? false);
      const scale = Math.sqrt(k) * 0.3 + 1e-3;
      const c = new Float32Array(cOff + m * n + 4).fill(7);
      gemm({ m, n, k, a, aOffset: aOff, transA: t.transA, b, bOffset: bOff, transB: t.transB, c, cOffset: cOff });
      let err = 0;
      for (let i = 0; i < m * n; i++) err = Math.max(err, Math.abs(c[cOff + i] - truth[i]));
      expect(err / scale).toBeLessThanOrEqual(1e-5);
      // Outside [cOff, cOff + m·n) nothing is touched.
      expect([c[0], c[1], c[cOff + m * n], c[cOff + m * n + 3]]).toEqual([7, 7, 7, 7]);
      gemm({ m, n, k, a, aOffset: aOff, transA: t.transA, b, bOffset: bOff, transB: t.transB, c, cOffset: cOff, accumulate: true });
      err = 0;
      for (let i = 0; i < m * n; i++) err = Math.max(err, Math.abs(c[cOff + i] - 2 * truth[i]));
      expect(err / scale).toBeLessThanOrEqual(2e-5);
    });
  }

  it.each([37, 3])('gives each row of C bit for bit the same whatever rows share the call (dense and nearly one-hot rows mixed, %i columns)', (n) => {
    const m = 11;
    const k = 170;
    const a = values(m * k, 41);
    for (const row of [2, 5, 6, 9]) {
      a.fill(0, row * k, (row + 1) * k);
      for (let t = 0; t < 3; t++) a[row * k + ((row * 13 + t * 17) % k)] = 0.3 + 0.1 * t;
    }
    const b = values(k * n, 43);
    const all = new Float32Array(m * n);
    gemm({ m, n, k, a, b, c: all });
    for (let i = 0; i < m; i++) {
      const one = new Float32Array(n);
      gemm({ m: 1, n, k, a: a.subarray(i * k, (i + 1) * k), b, c: one });
      expect(new Uint32Array(one.buffer), `row ${i}`).toEqual(new Uint32Array(all.buffer, i * n * 4, n));
    }
  });
  it('gives each column of C bit for bit the same whatever columns share the call (narrow C against wide C)', () => {
    const [m, k] = [21, 300];
    const a = values(m * k, 61);
    const wide = 13;
    const bWide = values(k * wide, 63);
    const cWide = new Float32Array(m * wide);
    gemm({ m, n: wide, k, a, b: bWide, c: cWide });
    for (const n of [1, 2, 3, 4]) {
      const b = new Float32Array(k * n);
      for (let p = 0; p < k; p++) b.set(bWide.subarray(p * wide + wide - n, (p + 1) * wide), p * n);
      const c = new Float32Array(m * n);
      gemm({ m, n, k, a, b, c, constantA: true });
      for (let i = 0; i < m; i++) {
        expect(new Uint32Array(c.buffer, i * n * 4, n), `${n} columns, row ${i}`).toEqual(new Uint32Array(cWide.buffer, (i * wide + wide - n) * 4, n));
      }
    }
  });
  it.each([301, 4, 3])('applies an epilogue (each row\'s bias, then a clamp) to the product, on dense, sparse and zero rows, overwriting and accumulating (%i columns)', (n) => {
    const [m, k] = [9, 40];
    const a = values(m * k, 51);
    a.fill(0, 2 * k, 3 * k); // a zero row
    a.fill(0, 5 * k, 6 * k);
    a[5 * k + 7] = 0.4; // a sparse row
    const b = values(k * n, 53);
    const bias = Float32Array.from({ length: 3 + m }, (_, i) => (i % 3 === 0 ? 0 : 0.2 * (i - 6)));
    const truth = naive(m, n, k, a, 0, false, b, 0, false);
    for (const clamp of [undefined, { min: 0, max: 0.3 }, { min: -0.1, max: 0.05 }]) {
      const want = (i: number, j: number, times: number): number => {
        const v = times * truth[i * n + j] + bias[3 + i];
        return clamp ? Math.min(clamp.max, Math.max(clamp.min, v)) : v;
      };
      const c = new Float32Array(m * n).fill(NaN);
      gemm({ m, n, k, a, b, c, epilogue: { bias, biasOffset: 3, clamp } });
      let err = 0;
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) err = Math.max(err, Math.abs(c[i * n + j] - want(i, j, 1)));
      expect(err).toBeLessThanOrEqual(1e-5);
      // Accumulating: the epilogue goes on the sum (here C held the product without it).
      c.fill(0);
      gemm({ m, n, k, a, b, c });
      gemm({ m, n, k, a, b, c, accumulate: true, epilogue: { bias, biasOffset: 3, clamp } });
      err = 0;
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) err = Math.max(err, Math.abs(c[i * n + j] - want(i, j, 2)));
      expect(err).toBeLessThanOrEqual(1e-5);
    }
  });
});

describe('gemm with constant operands (weights kept transposed and resident by the optimised engine)', () => {
  it('gives bit for bit what the same product gives without the hint, call after call, and never mixes two weight arrays up', () => {
    const [m, n, k] = [37, 45, 70];
    const w1 = values(m * k, 3);
    const w2 = values(m * k, 5);
    for (const optimised of [false, true]) {
      withOptimised(optimised, () => {
        for (let call = 0; call < 3; call++) {
          for (const w of [w1, w2]) {
            const x = values(k * n, 17 + call);
            const plain = new Float32Array(m * n);
            const kept = new Float32Array(m * n);
            gemmAny({ m, n, k, a: w, b: x, c: plain });
            gemmAny({ m, n, k, a: w, b: x, c: kept, constantA: true });
            expect(Array.from(kept)).toEqual(Array.from(plain));
            // The weight as B, transposed (a dense layer's reversal: gy · Wᵀ).
            const gy = values(5 * m, 31 + call);
            const plainT = new Float32Array(5 * k);
            const keptT = new Float32Array(5 * k);
            gemmAny({ m: 5, n: k, k: m, a: gy, b: w, transB: false, c: plainT });
            gemmAny({ m: 5, n: k, k: m, a: gy, b: w, transB: false, c: keptT, constantB: true });
            expect(Array.from(keptT)).toEqual(Array.from(plainT));
            const plainTT = new Float32Array(5 * k);
            const keptTT = new Float32Array(5 * k);
            const wT = values(k * m, 7);
            gemmAny({ m: 5, n: k, k: m, a: gy, b: wT, transB: true, c: plainTT });
            gemmAny({ m: 5, n: k, k: m, a: gy, b: wT, transB: true, c: keptTT, constantB: true });
            expect(Array.from(keptTT)).toEqual(Array.from(plainTT));
          }
        }
      });
    }
  });
});
