import { isOptimised } from '../optimise';
import { tableAccumulate, tableAccumulateTransposed, tapTable, TABLE_MAX_OUT } from './window-table';
import { triple, windowRuns, type WindowGeometry } from './window-geometry';

/**
 * Depthwise window product of one plane: y[o] (+)= Σ_k w[k] · x[i(o, k)] over in-bounds k.
 * Kernel-offset outer, output-row inner: each pass streams one row of y and one of x.
 */
export function windowAccumulate(
  g: WindowGeometry,
  x: Float32Array, xOff: number,
  w: Float32Array, wOff: number,
  y: Float32Array, yOff: number,
): void {
  if (g.outSize <= TABLE_MAX_OUT && isOptimised()) {
    tableAccumulate(tapTable(g), g.outSize, g.kernelSize, x, xOff, w, wOff, y, yOff);
    return;
  }
  if (g.kernel[0] === 1 && g.kernel[1] === 3 && g.kernel[2] === 3 && windowAccumulate3x3(g, x, xOff, w, wOff, y, yOff)) return;
  accumulateRuns(g, false, x, xOff, w, wOff, y, yOff, -1, -1, -1, -1);
}

const tapOffsets = new Int32Array(9);
const tapWeights = new Float64Array(9);

/**
 * The nine taps of a 3×3 window over height and width, as flat offsets in a plane of rows of
 * `rowLength` (times `sign`) and weights; false when a weight is zero (the fast paths then do not apply).
 */
function nineTaps(g: WindowGeometry, w: Float32Array, wOff: number, rowLength: number, sign: 1 | -1): boolean {
  const [, dH, dW] = g.dilations;
  const [, pH, pW] = g.padsBegin;
  for (let kh = 0, k = 0; kh < 3; kh++) {
    for (let kw = 0; kw < 3; kw++, k++) {
      if (w[wOff + k] === 0) return false;
      tapOffsets[k] = sign * ((kh * dH - pH) * rowLength + kw * dW - pW);
      tapWeights[k] = w[wOff + k];
    }
  }
  return true;
}

/**
 * to[toOff + d·toSlice + row·toRow + col] += Σ_k tapWeights[k] · from[fromOff + d·fromSlice +
 * row·fromRow + col·fromStep + tapOffsets[k]] over depth slices [dLo, dHi), rows [rowLo,
 * rowHi) and columns [colLo, colHi): the interior of the 3×3 fast paths, one store per element.
 */
function addNineTaps(
  from: Float32Array, fromOff: number, fromSlice: number, fromRow: number, fromStep: number,
  to: Float32Array, toOff: number, toSlice: number, toRow: number,
  dLo: number, dHi: number, rowLo: number, rowHi: number, colLo: number, colHi: number,
): void {
  const [o0, o1, o2, o3, o4, o5, o6, o7, o8] = tapOffsets;
  const [w0, w1, w2, w3, w4, w5, w6, w7, w8] = tapWeights;
  for (let d = dLo; d < dHi; d++) {
    for (let row = rowLo; row < rowHi; row++) {
      const src = fromOff + d * fromSlice + row * fromRow;
      const dst = toOff + d * toSlice + row * toRow;
      for (let col = colLo; col < colHi; col++) {
        const at = src + col * fromStep;
        to[dst + col] +=
          w0 * from[at + o0] + w1 * from[at + o1] + w2 * from[at + o2] +
          w3 * from[at + o3] + w4 * from[at + o4] + w5 * from[at + o5] +
          w6 * from[at + o6] + w7 * from[at + o7] + w8 * from[at + o8];
      }
    }
  }
}

/**
 * windowAccumulate for 3×3 windows over height and width with no zero weight: the
 * interior rectangle, where all nine offsets are inside the input, sums them in one
 * expression per output (one store instead of nine, about twice as fast, measured); the
 * border keeps the per-offset passes. False when it does not apply (nothing done).
 */
function windowAccumulate3x3(
  g: WindowGeometry,
  x: Float32Array, xOff: number,
  w: Float32Array, wOff: number,
  y: Float32Array, yOff: number,
): boolean {
  const [, inH, inW] = g.inShape;
  const [, outH, outW] = g.outShape;
  const [sD, sH, sW] = g.strides;
  const pD = g.padsBegin[0];
  const [loD, loH, loW] = g.lo;
  const [hiD, hiH, hiW] = g.hi;
  const rowLo = Math.max(loH[0], loH[1], loH[2]);
  const rowHi = Math.min(hiH[0], hiH[1], hiH[2]);
  const colLo = Math.max(loW[0], loW[1], loW[2]);
  const colHi = Math.min(hiW[0], hiW[1], hiW[2]);
  if (rowLo >= rowHi || colLo >= colHi) return false;
  if (!nineTaps(g, w, wOff, inW, 1)) return false;
  accumulateRuns(g, false, x, xOff, w, wOff, y, yOff, rowLo, rowHi, colLo, colHi);
  const inSlice = inH * inW;
  addNineTaps(x, xOff - pD * inSlice, sD * inSlice, sH * inW, sW, y, yOff, outH * outW, outW, loD[0], hiD[0], rowLo, rowHi, colLo, colHi);
  return true;
}

/** The transpose of windowAccumulate: gx[i(o, k)] += Σ w[k] · gy[o]. */
export function windowAccumulateTransposed(
  g: WindowGeometry,
  gy: Float32Array, gyOff: number,
  w: Float32Array, wOff: number,
  gx: Float32Array, gxOff: number,
): void {
  if (g.outSize <= TABLE_MAX_OUT && isOptimised()) {
    tableAccumulateTransposed(tapTable(g), g.outSize, g.kernelSize, gy, gyOff, w, wOff, gx, gxOff);
    return;
  }
  const fused =
    g.kernel[0] === 1 && g.kernel[1] === 3 && g.kernel[2] === 3 && g.strides[1] === 1 && g.strides[2] === 1 &&
    windowAccumulateTransposed3x3(g, gy, gyOff, w, wOff, gx, gxOff);
  if (!fused) accumulateRuns(g, true, gy, gyOff, w, wOff, gx, gxOff, -1, -1, -1, -1);
}

/**
 * windowAccumulateTransposed for 3×3 windows of stride 1 with no zero weight: the interior
 * input rectangle, which every offset reaches from a valid output, gathers its nine terms
 * in one expression per input; the border keeps the per-offset passes. False when it does
 * not apply (nothing done).
 */
function windowAccumulateTransposed3x3(
  g: WindowGeometry,
  gy: Float32Array, gyOff: number,
  w: Float32Array, wOff: number,
  gx: Float32Array, gxOff: number,
): boolean {
  const [, inH, inW] = g.inShape;
  const [, outH, outW] = g.outShape;
  const [sD] = g.strides;
  const [, dH, dW] = g.dilations;
  const [pD, pH, pW] = g.padsBegin;
  const [loD, hiD] = [g.lo[0], g.hi[0]];
  // Input index = output index + shift(k); the interior needs a valid output for every k.
  const shiftH0 = -pH;
  const shiftH2 = 2 * dH - pH;
  const shiftW0 = -pW;
  const shiftW2 = 2 * dW - pW;
  const rowLo = Math.max(0, shiftH2);
  const rowHi = Math.min(inH, shiftH0 + outH);
  const colLo = Math.max(0, shiftW2);
  const colHi = Math.min(inW, shiftW0 + outW);
  if (rowLo >= rowHi || colLo >= colHi) return false;
  // Gathering: input = output + offset, so each term reads the output at input − offset.
  if (!nineTaps(g, w, wOff, outW, -1)) return false;
  accumulateRuns(g, true, gy, gyOff, w, wOff, gx, gxOff, rowLo, rowHi, colLo, colHi);
  const inSlice = inH * inW;
  addNineTaps(gy, gyOff, outH * outW, outW, 1, gx, gxOff - pD * inSlice, sD * inSlice, inW, loD[0], hiD[0], rowLo, rowHi, colLo, colHi);
  return true;
}

/**
 * The per-offset passes of windowAccumulate (to = y, from = x) or, transposed, of
 * windowAccumulateTransposed (to = gx, from = gy), leaving out the rectangle
 * [rowLo, rowHi) × [colLo, colHi) when given: of the output, or transposed of the input
 * (whose 3×3 fast path has stride 1).
 */
function accumulateRuns(
  g: WindowGeometry,
  transposed: boolean,
  from: Float32Array, fromOff: number,
  w: Float32Array, wOff: number,
  to: Float32Array, toOff: number,
  rowLo: number, rowHi: number, colLo: number, colHi: number,
): void {
  const runs = windowRuns(g);
  const sW = g.strides[2];
  const fromStep = transposed ? 1 : sW;
  const toStep = transposed ? sW : 1;
  for (let r = 0; r < runs.count; r++) {
    const wv = w[wOff + runs.k[r]];
    if (wv === 0) continue;
    const src = fromOff + (transposed ? runs.output[r] : runs.input[r]);
    const dst = toOff + (transposed ? runs.input[r] : runs.output[r]);
    const l = runs.lo[r];
    const h = runs.hi[r];
    const row = transposed ? runs.inRow[r] : runs.outRow[r];
    if (row >= rowLo && row < rowHi) {
      // The rectangle's columns in output columns (transposed: input column = ow + inCol).
      const shift = transposed ? runs.inCol[r] : 0;
      for (let ow = l; ow < colLo - shift; ow++) to[dst + ow * toStep] += wv * from[src + ow * fromStep];
      for (let ow = colHi - shift; ow < h; ow++) to[dst + ow * toStep] += wv * from[src + ow * fromStep];
    } else if (sW === 1) {
      for (let ow = l; ow < h; ow++) to[dst + ow] += wv * from[src + ow];
    } else {
      for (let ow = l; ow < h; ow++) to[dst + ow * toStep] += wv * from[src + ow * fromStep];
    }
  }
}

/**
 * Per output position, how many window elements count: those inside the input
 * (excludePad), or those inside the padded extent [−padBegin, in + padEnd) (a ceil_mode
 * window reaching past the end padding counts only up to it, as PyTorch does).
 */
export function windowCounts(g: WindowGeometry, padsEnd: readonly number[], includePad: boolean): Float64Array {
  const axisCounts: Float64Array[] = [];
  const end = triple(padsEnd, 0);
  for (let a = 0; a < 3; a++) {
    const counts = new Float64Array(g.outShape[a]);
    for (let o = 0; o < g.outShape[a]; o++) {
      for (let k = 0; k < g.kernel[a]; k++) {
        const i = o * g.strides[a] - g.padsBegin[a] + k * g.dilations[a];
        const inside = includePad ? i >= -g.padsBegin[a] && i < g.inShape[a] + end[a] : i >= 0 && i < g.inShape[a];
        if (inside) counts[o]++;
      }
    }
    axisCounts.push(counts);
  }
  const [cD, cH, cW] = axisCounts;
  const out = new Float64Array(g.outSize);
  let p = 0;
  for (let od = 0; od < g.outShape[0]; od++) {
    for (let oh = 0; oh < g.outShape[1]; oh++) {
      const dh = cD[od] * cH[oh];
      for (let ow = 0; ow < g.outShape[2]; ow++) out[p++] = dh * cW[ow];
    }
  }
  return out;
}

/**
 * Per output position of one plane, the in-plane index of the window's largest element
 * (-1 for a window with no element inside the input). Kernel offsets are visited in
 * row-major window order and only a strictly larger value (or a NaN) replaces the best,
 * so ties go to the first element, as in PyTorch.
 */
export function windowArgmax(g: WindowGeometry, x: Float32Array, xOff: number, best: Float32Array, arg: Int32Array): void {
  const runs = windowRuns(g);
  const sW = g.strides[2];
  arg.fill(-1);
  for (let r = 0; r < runs.count; r++) {
    const src = runs.input[r];
    const dst = runs.output[r];
    const h = runs.hi[r];
    for (let ow = runs.lo[r]; ow < h; ow++) {
      const i = src + ow * sW;
      const v = x[xOff + i];
      const o = dst + ow;
      if (v > best[o] || arg[o] < 0 || v !== v) {
        best[o] = v;
        arg[o] = i;
      }
    }
  }
}
