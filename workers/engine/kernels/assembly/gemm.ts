// AssemblyScript (compiled to WebAssembly by build/build-wasm.mjs, not by tsc).
// C[m×n] += A[m×k] · B[k×n] in single precision, all row-major at byte addresses in this
// module's memory, which the host lays out. B is packed per block of K into panels of
// eight columns; each 4×8 block of C is summed in eight f32x4 registers over the block,
// then added to C. Every element of C gets its terms in order of K whatever the row
// grouping, so a row's result does not depend on the other rows of A.

const BLOCK_K: i32 = 256;
const BLOCK_N: i32 = 512;

/** Scratch for one packed block of B (BLOCK_K × BLOCK_N floats); the host reserves it. */
export const PACK_BYTES: i32 = BLOCK_K * BLOCK_N * 4;

export function gemm(m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, pack: usize): void {
  const m4 = m - (m & 3);
  for (let k0 = 0; k0 < k; k0 += BLOCK_K) {
    const kc = min(k, k0 + BLOCK_K) - k0;
    for (let n0 = 0; n0 < n; n0 += BLOCK_N) {
      const width = min(n, n0 + BLOCK_N) - n0;
      const panels = (width + 7) >> 3;
      packPanels(b, n, k0, kc, n0, width, panels, pack);
      let i = 0;
      for (; i < m4; i += 4) rows4(a + (<usize>(i * k + k0) << 2), k, c + (<usize>(i * n + n0) << 2), n, kc, width, panels, pack);
      for (; i < m; i++) rows1(a + (<usize>(i * k + k0) << 2), c + (<usize>(i * n + n0) << 2), kc, width, panels, pack);
    }
  }
}

/** Panel q holds B[k0 + p][n0 + 8q … n0 + 8q + 7] at pack + (q·kc + p)·32, zero past the width. */
function packPanels(b: usize, n: i32, k0: i32, kc: i32, n0: i32, width: i32, panels: i32, pack: usize): void {
  for (let p = 0; p < kc; p++) {
    const src = b + (<usize>((k0 + p) * n + n0) << 2);
    for (let q = 0; q < panels; q++) {
      const dst = pack + (<usize>(q * kc + p) << 5);
      const left = width - (q << 3);
      if (left >= 8) {
        v128.store(dst, v128.load(src + (<usize>q << 5)));
        v128.store(dst, v128.load(src + (<usize>q << 5), 16), 16);
      } else {
        for (let j = 0; j < 8; j++) store<f32>(dst + (<usize>j << 2), j < left ? load<f32>(src + (<usize>((q << 3) + j) << 2)) : 0);
      }
    }
  }
}

function rows4(a: usize, k: i32, c: usize, n: i32, kc: i32, width: i32, panels: i32, pack: usize): void {
  const aStride = <usize>k << 2;
  const cStride = <usize>n << 2;
  for (let q = 0; q < panels; q++) {
    let pb = pack + (<usize>(q * kc) << 5);
    let pa = a;
    let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
    let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
    let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
    let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
    for (let p = 0; p < kc; p++) {
      const b0 = v128.load(pb);
      const b1 = v128.load(pb, 16);
      const a0 = v128.load32_splat(pa);
      c00 = f32x4.add(c00, f32x4.mul(a0, b0));
      c01 = f32x4.add(c01, f32x4.mul(a0, b1));
      const a1 = v128.load32_splat(pa + aStride);
      c10 = f32x4.add(c10, f32x4.mul(a1, b0));
      c11 = f32x4.add(c11, f32x4.mul(a1, b1));
      const a2 = v128.load32_splat(pa + 2 * aStride);
      c20 = f32x4.add(c20, f32x4.mul(a2, b0));
      c21 = f32x4.add(c21, f32x4.mul(a2, b1));
      const a3 = v128.load32_splat(pa + 3 * aStride);
      c30 = f32x4.add(c30, f32x4.mul(a3, b0));
      c31 = f32x4.add(c31, f32x4.mul(a3, b1));
      pb += 32;
      pa += 4;
    }
    const out = c + (<usize>q << 5);
    const left = width - (q << 3);
    addRow(out, c00, c01, left);
    addRow(out + cStride, c10, c11, left);
    addRow(out + 2 * cStride, c20, c21, left);
    addRow(out + 3 * cStride, c30, c31, left);
  }
}

function rows1(a: usize, c: usize, kc: i32, width: i32, panels: i32, pack: usize): void {
  for (let q = 0; q < panels; q++) {
    let pb = pack + (<usize>(q * kc) << 5);
    let pa = a;
    let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
    for (let p = 0; p < kc; p++) {
      const av = v128.load32_splat(pa);
      c0 = f32x4.add(c0, f32x4.mul(av, v128.load(pb)));
      c1 = f32x4.add(c1, f32x4.mul(av, v128.load(pb, 16)));
      pb += 32;
      pa += 4;
    }
    addRow(c + (<usize>q << 5), c0, c1, width - (q << 3));
  }
}

/** C[0 … min(left, 8)) += the eight sums in lo, hi. */
@inline
function addRow(out: usize, lo: v128, hi: v128, left: i32): void {
  if (left >= 8) {
    v128.store(out, f32x4.add(v128.load(out), lo));
    v128.store(out, f32x4.add(v128.load(out, 16), hi), 16);
    return;
  }
  if (left > 0) store<f32>(out, load<f32>(out) + f32x4.extract_lane(lo, 0));
  if (left > 1) store<f32>(out, load<f32>(out, 4) + f32x4.extract_lane(lo, 1), 4);
  if (left > 2) store<f32>(out, load<f32>(out, 8) + f32x4.extract_lane(lo, 2), 8);
  if (left > 3) store<f32>(out, load<f32>(out, 12) + f32x4.extract_lane(lo, 3), 12);
  if (left > 4) store<f32>(out, load<f32>(out, 16) + f32x4.extract_lane(hi, 0), 16);
  if (left > 5) store<f32>(out, load<f32>(out, 20) + f32x4.extract_lane(hi, 1), 20);
  if (left > 6) store<f32>(out, load<f32>(out, 24) + f32x4.extract_lane(hi, 2), 24);
}

export { biasClamp } from "./epilogue";
