import { attrNumbers, attrString, ModelError } from '../graph';
import { windowGeometry, type WindowGeometry } from '../kernels/window-geometry';
import type { OpContext } from '../op';
import { formatShape, type Shape } from '../tensor';

/**
 * The sliding window of a convolution or pooling node, from its ONNX attributes
 * (Operators.md: Conv, ConvTranspose, AveragePool, MaxPool): kernel, strides, dilations,
 * pads (explicit or from auto_pad) and the output size they give.
 */
export interface Window {
  /** Spatial dims the window slides over (for ConvTranspose: those of its output Y). */
  readonly inSpatial: readonly number[];
  /** Spatial dims of the window positions (for ConvTranspose: those of its input X). */
  readonly outSpatial: readonly number[];
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  readonly padsBegin: readonly number[];
  readonly padsEnd: readonly number[];
}

export function fail(ctx: OpContext, message: string): never {
  throw new ModelError(`node "${ctx.node.name}" (${ctx.node.opType}): ${message}`);
}

/** The spatial dims of an N×C×D1…Dn input (1 to 3 spatial axes). */
export function spatialDims(ctx: OpContext, shape: Shape | undefined, what = 'X'): number[] {
  if (!shape) fail(ctx, `input ${what} is missing`);
  if (shape.length < 3 || shape.length > 5) {
    fail(ctx, `input ${what} has shape ${formatShape(shape)}; expected N×C×L, N×C×H×W or N×C×D×H×W`);
  }
  return shape.slice(2);
}

function listAttr(ctx: OpContext, name: string, rank: number, fallback: number, min: number): number[] {
  const v = attrNumbers(ctx.node, name, undefined);
  if (v === undefined || v.length === 0) return new Array<number>(rank).fill(fallback);
  if (v.length !== rank) fail(ctx, `${name} has ${v.length} values; the input has ${rank} spatial axes`);
  if (v.some((x) => !Number.isInteger(x) || x < min)) fail(ctx, `${name} must be integers >= ${min}, got [${v.join(', ')}]`);
  return v;
}

/** kernel_shape from the attribute, checked against the weights' spatial dims when there are weights. */
export function kernelOf(ctx: OpContext, rank: number, weightSpatial?: readonly number[]): number[] {
  const attr = attrNumbers(ctx.node, 'kernel_shape', undefined);
  if (attr === undefined) {
    if (!weightSpatial) fail(ctx, 'kernel_shape is required');
    return [...weightSpatial];
  }
  if (attr.length !== rank || attr.some((k) => !Number.isInteger(k) || k < 1)) {
    fail(ctx, `kernel_shape [${attr.join(', ')}] does not fit an input with ${rank} spatial axes`);
  }
  if (weightSpatial && attr.some((k, i) => k !== weightSpatial[i])) {
    fail(ctx, `kernel_shape [${attr.join(', ')}] differs from the weights' spatial dims [${weightSpatial.join(', ')}]`);
  }
  return attr;
}

function autoPadOf(ctx: OpContext): 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID' {
  const v = attrString(ctx.node, 'auto_pad', 'NOTSET');
  if (v === 'NOTSET' || v === 'SAME_UPPER' || v === 'SAME_LOWER' || v === 'VALID') return v;
  if (v === '') return 'NOTSET';
  return fail(ctx, `auto_pad "${v}" is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID`);
}

function explicitPads(ctx: OpContext, rank: number, allowNegative: boolean): { begin: number[]; end: number[] } {
  const pads = attrNumbers(ctx.node, 'pads', undefined);
  if (pads === undefined || pads.length === 0) return { begin: new Array<number>(rank).fill(0), end: new Array<number>(rank).fill(0) };
  if (pads.length !== 2 * rank) fail(ctx, `pads has ${pads.length} values; ${2 * rank} expected (begin and end of ${rank} spatial axes)`);
  if (pads.some((p) => !Number.isInteger(p) || (!allowNegative && p < 0))) fail(ctx, `pads must be integers >= 0, got [${pads.join(', ')}]`);
  return { begin: pads.slice(0, rank), end: pads.slice(rank) };
}

/**
 * The window of Conv, AveragePool and MaxPool. With ceil_mode the last window must start
 * inside the input or its begin padding (windows starting in the end padding are dropped,
 * as in PyTorch and later ONNX versions of the spec).
 */
export function forwardWindow(
  ctx: OpContext,
  inSpatial: readonly number[],
  kernel: readonly number[],
  options: { ceilMode?: boolean; dilations?: boolean } = {},
): Window {
  const rank = inSpatial.length;
  const strides = listAttr(ctx, 'strides', rank, 1, 1);
  const dilations = options.dilations === false ? new Array<number>(rank).fill(1) : listAttr(ctx, 'dilations', rank, 1, 1);
  const autoPad = autoPadOf(ctx);
  const padsBegin: number[] = [];
  const padsEnd: number[] = [];
  const outSpatial: number[] = [];
  const explicit = explicitPads(ctx, rank, false);
  for (let i = 0; i < rank; i++) {
    const extent = (kernel[i] - 1) * dilations[i] + 1;
    const n = inSpatial[i];
    const s = strides[i];
    let out: number;
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      out = Math.ceil(n / s);
      const total = Math.max(0, (out - 1) * s + extent - n);
      const small = Math.floor(total / 2);
      padsBegin.push(autoPad === 'SAME_UPPER' ? small : total - small);
      padsEnd.push(autoPad === 'SAME_UPPER' ? total - small : small);
    } else if (autoPad === 'VALID') {
      out = Math.floor((n - extent) / s) + 1;
      padsBegin.push(0);
      padsEnd.push(0);
    } else {
      const pb = explicit.begin[i];
      const pe = explicit.end[i];
      const span = n + pb + pe - extent;
      if (options.ceilMode) {
        out = Math.ceil(span / s) + 1;
        if (span >= 0 && (out - 1) * s >= n + pb) out--;
      } else {
        out = Math.floor(span / s) + 1;
      }
      padsBegin.push(pb);
      padsEnd.push(pe);
    }
    if (!(out >= 1)) {
      fail(ctx, `a window of ${extent} (kernel ${kernel[i]}, dilation ${dilations[i]}) does not fit spatial axis ${i} of size ${n} with pads ${padsBegin[i]}+${padsEnd[i]}`);
    }
    outSpatial.push(out);
  }
  return { inSpatial: [...inSpatial], outSpatial, kernel: [...kernel], strides, dilations, padsBegin, padsEnd };
}

/**
 * The window of ConvTranspose, seen as the convolution it transposes: that convolution
 * slides over Y (inSpatial) and has one position per element of X (outSpatial).
 */
export function transposedWindow(ctx: OpContext, xSpatial: readonly number[], kernel: readonly number[]): Window {
  const rank = xSpatial.length;
  const strides = listAttr(ctx, 'strides', rank, 1, 1);
  const dilations = listAttr(ctx, 'dilations', rank, 1, 1);
  const outputPadding = listAttr(ctx, 'output_padding', rank, 0, 0);
  const autoPad = autoPadOf(ctx);
  let outputShape = attrNumbers(ctx.node, 'output_shape', undefined);
  if (outputShape && outputShape.length === rank + 2) outputShape = outputShape.slice(2);
  if (outputShape && outputShape.length === 0) outputShape = undefined;
  if (outputShape && (outputShape.length !== rank || outputShape.some((d) => !Number.isInteger(d) || d < 1))) {
    fail(ctx, `output_shape [${outputShape.join(', ')}] does not fit an input with ${rank} spatial axes`);
  }
  const explicit = explicitPads(ctx, rank, false);
  const padsBegin: number[] = [];
  const padsEnd: number[] = [];
  const ySpatial: number[] = [];
  for (let i = 0; i < rank; i++) {
    const extent = (kernel[i] - 1) * dilations[i] + 1;
    const natural = strides[i] * (xSpatial[i] - 1) + outputPadding[i] + extent;
    let target: number | undefined = outputShape?.[i];
    if (target === undefined && (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER')) target = xSpatial[i] * strides[i];
    if (target !== undefined) {
      // total may be negative: the extra elements then come after the computed ones (bias only).
      const total = natural - target;
      const half = Math.floor(total / 2);
      if (autoPad === 'SAME_UPPER') {
        padsBegin.push(half);
        padsEnd.push(total - half);
      } else {
        padsBegin.push(total - half);
        padsEnd.push(half);
      }
      ySpatial.push(target);
    } else {
      const pb = autoPad === 'VALID' ? 0 : explicit.begin[i];
      const pe = autoPad === 'VALID' ? 0 : explicit.end[i];
      padsBegin.push(pb);
      padsEnd.push(pe);
      ySpatial.push(natural - pb - pe);
    }
    if (!(ySpatial[i] >= 1)) fail(ctx, `the output would have size ${ySpatial[i]} along spatial axis ${i}`);
  }
  return { inSpatial: ySpatial, outSpatial: [...xSpatial], kernel: [...kernel], strides, dilations, padsBegin, padsEnd };
}

export function geometryOf(w: Window): WindowGeometry {
  return windowGeometry({
    inShape: w.inSpatial,
    outShape: w.outSpatial,
    kernel: w.kernel,
    strides: w.strides,
    dilations: w.dilations,
    padsBegin: w.padsBegin,
  });
}

/** True when the window is the identity reshuffle: 1×…×1 kernel, stride 1, no pads. */
export function isPointwise(w: Window): boolean {
  return w.kernel.every((k) => k === 1) && w.strides.every((s) => s === 1) && w.padsBegin.every((p) => p === 0) && w.padsEnd.every((p) => p === 0);
}

/** True when the window covers the whole input once without padding: im2col is then the identity. */
export function isWholeInput(w: Window): boolean {
  return w.outSpatial.every((o) => o === 1) && w.padsBegin.every((p) => p === 0) && w.kernel.every((k, i) => k === w.inSpatial[i] && w.dilations[i] === 1);
}
