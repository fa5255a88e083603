import { wasmGemm, wasmScratchStart } from './gemm-wasm';
import { reserveWasm } from './wasm-module';
import type { WindowGeometry } from './window-geometry';

/**
 * A 2-D convolution (and its transpose) as kernel-offset GEMMs over a padded batch,
 * without im2col (issue 18: im2col/col2im were a fifth of the ascent's time). Each input
 * plane is laid out on the padded grid Hp × Wp (Hp = OH + (KH−1)·dH, Wp = OW + (KW−1)·dW),
 * every image of the batch one after another on one row per channel, so the kernel offset
 * (kh, kw) is the shift kh·dH·Wp + kw·dW along the row: y = Σ_offsets W_offset · shifted(x),
 * each term one GEMM of maps × channels over the whole batch (N = batch × padded positions),
 * all in WebAssembly memory (the operands are copied in once and the result out once).
 * Columns on the padding are computed and dropped. Each output gets its terms in a fixed
 * order (offset, then channel) whatever the batch or the crop, so an image's result does
 * not depend on the other images. A strided convolution is the same over the input's phase
 * planes (gridOf): each offset reads one phase, so no output position is computed and dropped
 * for the stride.
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

/**
 * Whether the shifted GEMMs apply: one group, 2-D, a kernel wider than one pixel; strided only
 * for the transpose (forward, im2col's one GEMM of channels × offsets terms measured as fast or
 * faster on ResNet-8's stride-2 shapes; the transpose's col2im scatter is what the phases save).
 */
export function shiftedApplies(p: ShiftedConv, direction: 'forward' | 'transposed' = 'forward'): boolean {
  const g = p.geometry;
  return (
    p.group === 1 &&
    Math.min(p.channels, p.maps) >= MIN_CHANNELS &&
    (direction === 'transposed' || g.strides.every((s) => s === 1)) &&
    g.inShape[0] === 1 && g.outShape[0] === 1 && g.kernel[0] === 1 &&
    g.kernelSize > 1
  );
}

/**
 * The padded grid. With strides (sH, sW) the padded input is split into phase planes: phase
 * (ph, pw) holds padded input (u·sH + ph, v·sW + pw) at (u, v), so kernel offset (a, b) reads
 * phase ((a·dH) mod sH, (b·dW) mod sW) at (oh + ⌊a·dH/sH⌋, ow + ⌊b·dW/sW⌋): a stride-1 shift
 * on that phase's rows. Stride 1 is one phase. Only the phases some offset reads are laid out.
 */
interface Grid {
  readonly hp: number;
  readonly wp: number;
  readonly sp: number;
  /** Per offset: its shift along a row, and its phase (the phase's rows start at phase·rows). */
  readonly offsets: Int32Array;
  readonly phaseOf: Int32Array;
  /** Per phase index: its (ph, pw). */
  readonly phaseH: Int32Array;
  readonly phaseW: Int32Array;
  /** Per row phase ph (and column phase pw): its index among the laid-out ones, or −1. */
  readonly indexH: Int32Array;
  readonly indexW: Int32Array;
  /** Column phases laid out (phase index = row phase's index · phasesW + column phase's index). */
  readonly phasesW: number;
  readonly maxOff: number;
}

function gridOf(g: WindowGeometry): Grid {
  const [, kh, kw] = g.kernel;
  const [, dh, dw] = g.dilations;
  const [, sh, sw] = g.strides;
  const hp = g.outShape[1] + Math.floor(((kh - 1) * dh) / sh);
  const wp = g.outShape[2] + Math.floor(((kw - 1) * dw) / sw);
  const indexH = new Int32Array(sh).fill(-1);
  const indexW = new Int32Array(sw).fill(-1);
  const usedH: number[] = [];
  const usedW: number[] = [];
  for (let a = 0; a < kh; a++) if (indexH[(a * dh) % sh] < 0) indexH[(a * dh) % sh] = usedH.push((a * dh) % sh) - 1;
  for (let b = 0; b < kw; b++) if (indexW[(b * dw) % sw] < 0) indexW[(b * dw) % sw] = usedW.push((b * dw) % sw) - 1;
  const offsets = new Int32Array(kh * kw);
  const phaseOf = new Int32Array(kh * kw);
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      offsets[a * kw + b] = Math.floor((a * dh) / sh) * wp + Math.floor((b * dw) / sw);
      phaseOf[a * kw + b] = indexH[(a * dh) % sh] * usedW.length + indexW[(b * dw) % sw];
    }
  }
  const phaseH = Int32Array.from({ length: usedH.length * usedW.length }, (_, i) => usedH[Math.floor(i / usedW.length)]);
  const phaseW = Int32Array.from({ length: usedH.length * usedW.length }, (_, i) => usedW[i % usedW.length]);
  return { hp, wp, sp: hp * wp, offsets, phaseOf, phaseH, phaseW, indexH, indexW, phasesW: usedW.length, maxOff: Math.max(...offsets) };
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
  const phases = grid.phaseH.length;
  // Rows of the GEMM's B (the padded operand) and of its C (the padded result); the input side has a block of rows per phase.
  const inRows = forward ? phases * p.channels : p.maps;
  const outRows = forward ? p.maps : phases * p.channels;
  const k = forward ? p.channels : p.maps;
  const m = forward ? p.maps : p.channels;
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
      // Forward reads x's phase at q + offset; the transpose reads gy at q − offset (its row starts maxOff in) into the phase's rows.
      const phaseRows = grid.phaseOf[t] * p.channels * n;
      const b = forward ? bAt + 4 * (phaseRows + grid.offsets[t]) : bAt + 4 * (grid.maxOff - grid.offsets[t]);
      const c = forward ? cAt : cAt + 4 * phaseRows;
      wasm.gemm(m, n, k, aAt + 4 * t * m * k, b, c, 0);
    }
    if (forward) takeOutput(g, grid, p.maps, heap, cAt >> 2, n, dst, n0, count);
    else takeGradient(g, grid, p.channels, heap, cAt >> 2, n, dst, n0, count);
  }
  return true;
}

/** Where padded row u of phase ph starts reading the input: the input row, or −1 past its edges (and likewise for columns). */
function inputRow(g: WindowGeometry, axis: 1 | 2, u: number, phase: number): number {
  const i = u * g.strides[axis] + phase - g.padsBegin[axis];
  return i >= 0 && i < g.inShape[axis] ? i : -1;
}

/** Per column phase: the input column iw0 of its v = 0 and the columns v ∈ [v0, v1) inside the input (input column v·sW + iw0). */
function columnRuns(g: WindowGeometry, grid: Grid): Int32Array {
  const W = g.inShape[2];
  const sW = g.strides[2];
  const runs = new Int32Array(3 * grid.phasesW);
  for (let fw = 0; fw < grid.phasesW; fw++) {
    const iw0 = grid.phaseW[fw] - g.padsBegin[2];
    runs[3 * fw] = iw0;
    runs[3 * fw + 1] = Math.max(0, Math.ceil(-iw0 / sW));
    runs[3 * fw + 2] = Math.min(grid.wp, Math.floor((W - 1 - iw0) / sW) + 1);
  }
  return runs;
}

/** x's planes onto the phase grids: row (phase, c) holds image j's phase plane at j·Sp, its (u, v) at u·Wp + v. */
function layInput(g: WindowGeometry, grid: Grid, channels: number, x: Float32Array, n0: number, count: number, heap: Float32Array, at: number, n: number): void {
  const W = g.inShape[2];
  const sW = g.strides[2];
  const cols = columnRuns(g, grid);
  for (let f = 0; f < grid.phaseH.length; f++) {
    const fw = f % grid.phasesW;
    const iw0 = cols[3 * fw];
    const v0 = cols[3 * fw + 1];
    const v1 = cols[3 * fw + 2];
    if (v1 <= v0) continue;
    for (let c = 0; c < channels; c++) {
      for (let j = 0; j < count; j++) {
        const plane = ((n0 + j) * channels + c) * g.inSize;
        const row = at + (f * channels + c) * n + j * grid.sp;
        for (let u = 0; u < grid.hp; u++) {
          const ih = inputRow(g, 1, u, grid.phaseH[f]);
          if (ih < 0) continue;
          const from = plane + ih * W + iw0;
          const to = row + u * grid.wp;
          for (let v = v0; v < v1; v++) heap[to + v] = x[from + v * sW];
        }
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
      for (let oh = 0; oh < OH; oh++) copyRun(gy, plane + oh * OW, heap, row + oh * grid.wp, OW);
    }
  }
}

function takeOutput(g: WindowGeometry, grid: Grid, maps: number, heap: Float32Array, at: number, n: number, y: Float32Array, n0: number, count: number): void {
  const [, OH, OW] = g.outShape;
  for (let m = 0; m < maps; m++) {
    for (let j = 0; j < count; j++) {
      const plane = ((n0 + j) * maps + m) * g.outSize;
      const row = at + m * n + j * grid.sp;
      for (let oh = 0; oh < OH; oh++) copyRun(heap, row + oh * grid.wp, y, plane + oh * OW, OW);
    }
  }
}

/** gx at every input position: its phase grid's entry, zero where no grid reaches (no output reads it). */
function takeGradient(g: WindowGeometry, grid: Grid, channels: number, heap: Float32Array, at: number, n: number, gx: Float32Array, n0: number, count: number): void {
  const [, H, W] = g.inShape;
  const [, sH, sW] = g.strides;
  const pH = g.padsBegin[1];
  const cols = columnRuns(g, grid);
  for (let c = 0; c < channels; c++) {
    for (let j = 0; j < count; j++) {
      const plane = ((n0 + j) * channels + c) * g.inSize;
      gx.fill(0, plane, plane + g.inSize);
      for (let ih = 0; ih < H; ih++) {
        const ph = ih + pH;
        const fh = ph >= 0 ? grid.indexH[ph % sH] : -1;
        const u = Math.floor(ph / sH);
        if (fh < 0 || u >= grid.hp) continue;
        for (let fw = 0; fw < grid.phasesW; fw++) {
          const iw0 = cols[3 * fw];
          const v0 = cols[3 * fw + 1];
          const v1 = cols[3 * fw + 2];
          const from = at + ((fh * grid.phasesW + fw) * channels + c) * n + j * grid.sp + u * grid.wp;
          const to = plane + ih * W + iw0;
          for (let v = v0; v < v1; v++) gx[to + v * sW] = heap[from + v];
        }
      }
    }
  }
}

/**
 * A run of `length` floats: a loop, not set(subarray()), whose per-call view (a new object
 * for each row of 8–32 floats) cost as much as the copy and fed the garbage collector.
 */
function copyRun(src: Float32Array, from: number, dst: Float32Array, to: number, length: number): void {
  for (let i = 0; i < length; i++) dst[to + i] = src[from + i];
}
