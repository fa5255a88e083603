import { attrNumber } from '../graph';
import type { WindowGeometry } from '../kernels/window-geometry';
import type { OpContext, ReverseContext } from '../op';
import type { Shape, Tensor } from '../tensor';
import { fail, kernelOf, spatialDims } from './conv-geometry';

/** What Conv and ConvTranspose both plan: channels, groups and the window as a convolution. */
export interface ConvPlanBase {
  readonly images: number;
  readonly channels: number;
  readonly maps: number;
  readonly group: number;
  /** Input channels (of X) per group. */
  readonly cg: number;
  /** Output channels (of Y) per group. */
  readonly mg: number;
  readonly geometry: WindowGeometry;
  readonly pointwise: boolean;
  readonly outShape: number[];
}

/** The checks Conv and ConvTranspose share: X (N×C×spatial), W of X's rank (`wLayout` names its axes), group. */
export function convOperands(ctx: OpContext, wLayout: string): { images: number; channels: number; wShape: Shape; group: number; spatial: number[] } {
  const xShape = ctx.inputShapes[0];
  const wShape = ctx.inputShapes[1];
  const spatial = spatialDims(ctx, xShape);
  if (!wShape || wShape.length !== xShape!.length) {
    fail(ctx, `W has shape ${wShape ? `[${wShape.join(', ')}]` : 'nothing'}; expected ${wLayout} with rank ${xShape!.length}`);
  }
  const [images, channels] = xShape!;
  const group = attrNumber(ctx.node, 'group', 1);
  if (!Number.isInteger(group) || group < 1) fail(ctx, `group must be a positive integer, got ${group}`);
  return { images, channels, wShape, group, spatial };
}

/** The kernel (from W's spatial dims) after checking that B, when given, has one value per output channel. */
export function convKernel(ctx: OpContext, spatial: readonly number[], wShape: Shape, maps: number): number[] {
  const bShape = ctx.inputShapes[2];
  if (bShape && (bShape.length !== 1 || bShape[0] !== maps)) fail(ctx, `B has shape [${bShape.join(', ')}]; expected [${maps}]`);
  return kernelOf(ctx, spatial.length, wShape.slice(2));
}

/** Groups with one input channel and at most this many output channels use direct loops (faster than im2col + GEMM there, measured). */
const DIRECT_MAX_MAPS = 2;

export function isDirect(p: ConvPlanBase): boolean {
  return p.cg === 1 && p.mg <= DIRECT_MAX_MAPS && !p.pointwise;
}

/**
 * The reversal of Conv or ConvTranspose: w.r.t. X (`values`, for seeds × images images),
 * W (`weights`) and B, each only where that operand is not a constant. `plane` is Y's plane.
 */
export function reverseConv(
  ctx: ReverseContext,
  gy: Float32Array,
  p: ConvPlanBase,
  plane: number,
  values: (images: number, w: Float32Array) => Float32Array,
  weights: (seeds: number, x: Float32Array) => Float32Array,
): (Float32Array | undefined)[] {
  const seeds = ctx.batch;
  const gx = ctx.constants[0] ? undefined : values(seeds * p.images, operandValue(ctx, 1, 'W'));
  const gw = ctx.constants[1] ? undefined : weights(seeds, operandValue(ctx, 0, 'X'));
  const gb = ctx.inputShapes[2] && !ctx.constants[2] ? biasGradient(gy, seeds, p.images, p.maps, plane) : undefined;
  return [gx, gw, gb];
}

/** A plain loop: maps here are often a few positions, where subarray() + set() costs more than the copy. */
export function copy(from: Float32Array, fromOff: number, to: Float32Array, toOff: number, n: number): void {
  for (let i = 0; i < n; i++) to[toOff + i] = from[fromOff + i];
}

/** The float32 values of an input, refused with the node's name when it holds integers. */
export function floatData(ctx: OpContext, t: Tensor | undefined, what: string): Float32Array {
  if (!t) return fail(ctx, `input ${what} is missing`);
  if (t.dtype !== 'float32' || !(t.data instanceof Float32Array)) fail(ctx, `input ${what} must be floating point, got ${t.dtype}`);
  return t.data;
}

/** An operand's value during a reversal: the constant, else its value at the reference input. */
function operandValue(ctx: ReverseContext, index: number, what: string): Float32Array {
  const t = ctx.constants[index] ?? ctx.reference?.inputs[index];
  if (!t) fail(ctx, `${what} depends on the input; reversing it needs a reference input (a mode other than exact)`);
  return floatData(ctx, t, what);
}

/** y[image, channel, ·] += bias[channel] over `images` images of `channels` planes of `plane` values. */
export function addBias(y: Float32Array, bias: Float32Array, images: number, channels: number, plane: number): void {
  let o = 0;
  for (let i = 0; i < images; i++) {
    for (let c = 0; c < channels; c++) {
      const b = bias[c];
      const end = o + plane;
      if (b !== 0) for (; o < end; o++) y[o] += b;
      else o = end;
    }
  }
}

/** The bias gradient of each seed: gy summed over the model's images and each plane. */
function biasGradient(gy: Float32Array, seeds: number, images: number, channels: number, plane: number): Float32Array {
  const gb = new Float32Array(seeds * channels);
  let o = 0;
  for (let s = 0; s < seeds; s++) {
    for (let i = 0; i < images; i++) {
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        const end = o + plane;
        for (; o < end; o++) sum += gy[o];
        gb[s * channels + c] += sum;
      }
    }
  }
  return gb;
}

/**
 * How many images of a batched reversal share one im2col matrix: enough for ~256 columns
 * (so the GEMM's inner loop is long), within a bounded matrix.
 */
export function imagesPerPass(plane: number, rows: number, images: number): number {
  const wanted = Math.ceil(256 / Math.max(1, plane));
  const fits = Math.floor((1 << 22) / Math.max(1, rows * plane));
  return Math.max(1, Math.min(images, wanted, fits));
}
