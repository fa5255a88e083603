import type { OpContext, ReverseContext } from '../op';
import type { Tensor } from '../tensor';
import { fail } from './conv-geometry';

/** The float32 values of an input, refused with the node's name when it holds integers. */
export function floatData(ctx: OpContext, t: Tensor | undefined, what: string): Float32Array {
  if (!t) return fail(ctx, `input ${what} is missing`);
  if (t.dtype !== 'float32' || !(t.data instanceof Float32Array)) fail(ctx, `input ${what} must be floating point, got ${t.dtype}`);
  return t.data;
}

/** An operand's value during a reversal: the constant, else its value at the reference input. */
export function operandValue(ctx: ReverseContext, index: number, what: string): Float32Array {
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
export function biasGradient(gy: Float32Array, seeds: number, images: number, channels: number, plane: number): Float32Array {
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
