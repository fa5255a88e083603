import { wasmGemm, wasmScratchStart } from './gemm-wasm';
import { reserveWasm } from './wasm-module';
import type { WindowGeometry } from './window-geometry';

/**
 * A stride-1 2-D convolution (and its transpose) as kernel-offset GEMMs over a padded batch,
 * without im2col (issue 18: im2col/col2im were a fifth of the ascent's time). Each input
 * plane is laid out on the padded grid Hp × Wp (Hp = OH + (KH−1)·dH, Wp = OW + (KW−1)·dW),
 * every image of the batch one after another on one row per channel, so the kernel offset
 * (kh, kw) is the shift kh·dH·Wp + kw·dW along the row: y = Σ_offsets W_offset · shifted(x),
 * each term one GEMM of maps × channels over the whole batch (N = batch × padded positions),
 * all in WebAssembly memory (the operands are copied in once and the result out once).
 * Columns on the padding are computed and dropped. Each output gets its terms in a fixed
 * order (offset, then channel) whatever the batch or the crop, so an image's result does
 * not depend on the other images.
 */
export interface ShiftedConv {
  readonly images: number;
  readonly channels: number;
  readonly maps: number;
  readonly group: number;
  readonly geometry: WindowGeometry;
}

/** Floats of the padded operands and the result per pass (the images go through in chunks). */
const PASS_FLOATS = 1 << 23;
/** Fewer input channels than this: im2col's one GEMM with channels × offsets terms wins (a GEMM of k = 3 is mostly C traffic). */
const MIN_CHANNELS = 8;

/** Whether the shifted GEMMs apply: one group, stride 1, 2-D, a kernel wider than one pixel. */
export function shiftedApplies(p: ShiftedConv): boolean {
  const g = p.geometry;
  return (
    p.group === 1 &&
    Math.min(p.channels, p.maps) >= MIN_CHANNELS &&
    g.strides.every((s) => s === 1) &&
    g.inShape[0] === 1 && g.outShape[0] === 1 && g.kernel[0] === 1 &&
    g.kernelSize > 1
  );
}

interface Grid {
  readonly hp: number;
  readonly wp: number;
  readonly sp: number;
  readonly offsets: Int32Array;
  readonly maxOff: number;
}

function gridOf(g: WindowGeometry): Grid {
  const [, kh, kw] = g.kernel;
  const [, dh, dw] = g.dilations;
  const hp = g.outShape[1] + (kh - 1) * dh;
  const wp = g.outShape[2] + (kw - 1) * dw;
  const offsets = new Int32Array(kh * kw);
  for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) offsets[a * kw + b] = a * dh * wp + b * dw;
  return { hp, wp, sp: hp * wp, offsets, maxOff: offsets[offsets.length - 1] };
}

/** Per kernel offset, W's slice maps × channels (forward) or its transpose (reversal), kept per weight array. */
const slices = new WeakMap<Float32Array, Map<string, Float32Array>>();

function offsetSlices(w: Float32Array, maps: number, channels: number, taps: number, transposed: boolean): Float32Array {
  let perW = slices.get(w);
  if (!perW) slices.set(w, (perW = new Map()));
  const key = `${maps},${channels},${taps},${transposed}`;
  const hit = perW.get(key);
  if (hit) return hit;
  const out = new Float32Array(taps * maps * channels);
  for (let t = 0; t < taps; t++) {
    for (let m = 0; m < maps; m++) {
      for (let c = 0; c < channels; c++) {
        const v = w[(m * channels + c) * taps + t];
        out[t * maps * channels + (transposed ? c * maps + m : m * channels + c)] = v;
      }
    }
  }
  perW.set(key, out);
  return out;
}

/**
 * y (images × maps × OH·OW) = conv(x, w) (direction 'forward', x images × channels × inSize)
 * or gx (images × channels × inSize) = convᵀ(gy, w) (direction 'transposed', `src` = gy),
 * written into `dst` (every value of it). Returns false, doing nothing, when WebAssembly is
 * unavailable or its memory cannot grow.
 */
export function shiftedConv(direction: 'forward' | 'transposed', p: ShiftedConv, w: Float32Array, src: Float32Array, dst: Float32Array): boolean {
  const wasm = wasmGemm();
  if (!wasm) return false;
  const g = p.geometry;
  const grid = gridOf(g);
  const taps = g.kernelSize;
  const forward = direction === 'forward';
  // Rows of the GEMM's B (the padded operand) and of its C (the padded result).
  const inRows = forward ? p.channels : p.maps;
  const outRows = forward ? p.maps : p.channels;
  const a = offsetSlices(w, p.maps, p.channels, taps, !forward);
  const perPass = Math.max(1, Math.min(p.images, Math.floor(PASS_FLOATS / ((inRows + outRows) * grid.sp))));
  const rowLength = perPass * grid.sp + grid.maxOff;
  const aAt = wasmScratchStart(wasm);
  const bAt = aAt + 4 * a.length;
  const bFloats = inRows * rowLength + grid.maxOff;
  const cAt = bAt + 4 * bFloats;
  try {
    reserveWasm(wasm.memory, cAt + 4 * outRows * rowLength);
  } catch (e) {
    if (e instanceof RangeError) return false;
    throw e;
  }
  const heap = new Float32Array(wasm.memory.buffer);
  heap.set(a, aAt >> 2);
  for (let n0 = 0; n0 < p.images; n0 += perPass) {
    const count = Math.min(perPass, p.images - n0);
    const n = count * grid.sp + grid.maxOff;
    heap.fill(0, bAt >> 2, (bAt >> 2) + inRows * n + grid.maxOff);
    heap.fill(0, cAt >> 2, (cAt >> 2) + outRows * n);
    if (forward) layInput(g, grid, p.channels, src, n0, count, heap, bAt >> 2, n);
    else layGradient(g, grid, p.maps, src, n0, count, heap, bAt >> 2, n);
    for (let t = 0; t < taps; t++) {
      // Forward reads x at q + offset; the transpose reads gy at q − offset (its row starts maxOff in).
      const shift = forward ? grid.offsets[t] : grid.maxOff - grid.offsets[t];
      wasm.gemm(outRows, n, inRows, aAt + 4 * t * outRows * inRows, bAt + 4 * shift, cAt, 0);
    }
    if (forward) takeOutput(g, grid, p.maps, heap, cAt >> 2, n, dst, n0, count);
    else takeGradient(g, grid, p.channels, heap, cAt >> 2, n, dst, n0, count);
  }
  return true;
}

/** The input rows [h0, h1) and columns [w0, w1) on the padded grid (input (ih, iw) at (ih + pH, iw + pW)). */
function inputSpan(g: WindowGeometry, grid: Grid): { W: number; pH: number; pW: number; h0: number; h1: number; w0: number; w1: number } {
  const [, H, W] = g.inShape;
  const [, pH, pW] = g.padsBegin;
  return { W, pH, pW, h0: Math.max(0, -pH), h1: Math.min(H, grid.hp - pH), w0: Math.max(0, -pW), w1: Math.min(W, grid.wp - pW) };
}

/** x's planes onto the padded grid: row c holds image j's plane at j·Sp, input (ih, iw) at (ih + padH)·Wp + iw + padW. */
function layInput(g: WindowGeometry, grid: Grid, channels: number, x: Float32Array, n0: number, count: number, heap: Float32Array, at: number, n: number): void {
  const { W, pH, pW, h0, h1, w0, w1 } = inputSpan(g, grid);
  if (h1 <= h0 || w1 <= w0) return;
  for (let c = 0; c < channels; c++) {
    for (let j = 0; j < count; j++) {
      const plane = ((n0 + j) * channels + c) * g.inSize;
      const row = at + c * n + j * grid.sp;
      for (let ih = h0; ih < h1; ih++) {
        const from = plane + ih * W;
        heap.set(x.subarray(from + w0, from + w1), row + (ih + pH) * grid.wp + w0 + pW);
      }
    }
  }
}

/** gy's planes onto the padded grid, maxOff into each row: output (oh, ow) at maxOff + j·Sp + oh·Wp + ow. */
function layGradient(g: WindowGeometry, grid: Grid, maps: number, gy: Float32Array, n0: number, count: number, heap: Float32Array, at: number, n: number): void {
  const [, OH, OW] = g.outShape;
  for (let m = 0; m < maps; m++) {
    for (let j = 0; j < count; j++) {
      const plane = ((n0 + j) * maps + m) * g.outSize;
      const row = at + m * n + grid.maxOff + j * grid.sp;
      for (let oh = 0; oh < OH; oh++) heap.set(gy.subarray(plane + oh * OW, plane + (oh + 1) * OW), row + oh * grid.wp);
    }
  }
}

function takeOutput(g: WindowGeometry, grid: Grid, maps: number, heap: Float32Array, at: number, n: number, y: Float32Array, n0: number, count: number): void {
  const [, OH, OW] = g.outShape;
  for (let m = 0; m < maps; m++) {
    for (let j = 0; j < count; j++) {
      const plane = ((n0 + j) * maps + m) * g.outSize;
      const row = at + m * n + j * grid.sp;
      for (let oh = 0; oh < OH; oh++) y.set(heap.subarray(row + oh * grid.wp, row + oh * grid.wp + OW), plane + oh * OW);
    }
  }
}

/** gx at every input position: its padded entry, zero where the grid does not reach (no output reads it). */
function takeGradient(g: WindowGeometry, grid: Grid, channels: number, heap: Float32Array, at: number, n: number, gx: Float32Array, n0: number, count: number): void {
  const { W, pH, pW, h0, h1, w0, w1 } = inputSpan(g, grid);
  for (let c = 0; c < channels; c++) {
    for (let j = 0; j < count; j++) {
      const plane = ((n0 + j) * channels + c) * g.inSize;
      gx.fill(0, plane, plane + g.inSize);
      if (h1 <= h0 || w1 <= w0) continue;
      const row = at + c * n + j * grid.sp;
      for (let ih = h0; ih < h1; ih++) {
        const from = row + (ih + pH) * grid.wp + pW;
        gx.set(heap.subarray(from + w0, from + w1), plane + ih * W + w0);
      }
    }
  }
}
