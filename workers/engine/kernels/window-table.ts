import type { WindowGeometry } from './window';

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
  const table = new Int32Array(g.outSize * K).fill(-1);
  const [inD, inH, inW] = g.inShape;
  const [outD, outH, outW] = g.outShape;
  const [kD, kH, kW] = g.kernel;
  let t = 0;
  for (let od = 0; od < outD; od++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        for (let kd = 0; kd < kD; kd++) {
          const id = od * g.strides[0] - g.padsBegin[0] + kd * g.dilations[0];
          for (let kh = 0; kh < kH; kh++) {
            const ih = oh * g.strides[1] - g.padsBegin[1] + kh * g.dilations[1];
            for (let kw = 0; kw < kW; kw++, t++) {
              const iw = ow * g.strides[2] - g.padsBegin[2] + kw * g.dilations[2];
              if (id >= 0 && id < inD && ih >= 0 && ih < inH && iw >= 0 && iw < inW) table[t] = (id * inH + ih) * inW + iw;
            }
          }
        }
      }
    }
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
