import { windowRuns, type WindowGeometry } from './window-geometry';

/**
 * Window products over small maps (issue 18): late layers of a real network have maps of
 * 2×2 to 8×8 positions and hundreds of depthwise planes, where the per-offset row passes of
 * window.ts spend their time in loop set-up. Here each plane is one pass over a table of
 * the input offset of every (output position, kernel offset) pair, made once per geometry.
 */

/** Output maps up to this many positions use the table (about 2× faster at 2×2 and 4×4, slower from 8×8 on; measured). */
export const TABLE_MAX_OUT = 16;

const tables = new WeakMap<WindowGeometry, Int32Array>();

/** table[o·K + k] = flat input offset read by output o at kernel offset k, −1 where it falls outside the input. */
export function tapTable(g: WindowGeometry): Int32Array {
  const cached = tables.get(g);
  if (cached) return cached;
  const K = g.kernelSize;
  const sW = g.strides[2];
  const table = new Int32Array(g.outSize * K).fill(-1);
  const runs = windowRuns(g);
  for (let r = 0; r < runs.count; r++) {
    const k = runs.k[r];
    const output = runs.output[r];
    const input = runs.input[r];
    const h = runs.hi[r];
    // table is an Int32Array like the runs' arrays: locals, so its stores cannot make them be read again.
    for (let ow = runs.lo[r]; ow < h; ow++) table[(output + ow) * K + k] = input + ow * sW;
  }
  tables.set(g, table);
  return table;
}

/** y[o] += Σ_k w[k] · x[table[o·K + k]] for one plane. */
export function tableAccumulate(
  table: Int32Array, P: number, K: number,
  x: Float32Array, xOff: number,
  w: Float32Array, wOff: number,
  y: Float32Array, yOff: number,
): void {
  for (let o = 0, t = 0; o < P; o++) {
    let sum = 0;
    for (let k = 0; k < K; k++, t++) {
      const i = table[t];
      if (i >= 0) sum += w[wOff + k] * x[xOff + i];
    }
    y[yOff + o] += sum;
  }
}

/** The transpose: gx[table[o·K + k]] += w[k] · gy[o], offset by offset as window.ts sums them. */
export function tableAccumulateTransposed(
  table: Int32Array, P: number, K: number,
  gy: Float32Array, gyOff: number,
  w: Float32Array, wOff: number,
  gx: Float32Array, gxOff: number,
): void {
  for (let k = 0; k < K; k++) {
    const wv = w[wOff + k];
    if (wv === 0) continue;
    for (let o = 0, t = k; o < P; o++, t += K) {
      const i = table[t];
      if (i >= 0) gx[gxOff + i] += wv * gy[gyOff + o];
    }
  }
}
