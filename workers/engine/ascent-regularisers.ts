import { ModelError } from './graph';
import type { PreparedModel } from './prepare';
import { formatShape } from './tensor';

/**
 * The input seen as channels × height × width in the model's own layout ((C,H,W) or
 * (H,W,C); a 1-D signal (C,L) or (L,C) is one row), for the ascent's image regularisers.
 */
export interface Grid {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly channelStride: number;
  readonly rowStride: number;
  readonly colStride: number;
  /** Sizes of the real spatial axes: [H, W], or [L] for a 1-D input. */
  readonly spatial: readonly number[];
}

export function inputGrid(model: PreparedModel): Grid {
  const shape = model.inputFeatureShape;
  const last = model.graph.channelAxis === 'last';
  if (shape.length === 3) {
    const [c, h, w] = last ? [shape[2], shape[0], shape[1]] : shape;
    return last
      ? { channels: c, height: h, width: w, channelStride: 1, rowStride: w * c, colStride: c, spatial: [h, w] }
      : { channels: c, height: h, width: w, channelStride: h * w, rowStride: w, colStride: 1, spatial: [h, w] };
  }
  if (shape.length === 2) {
    const [c, l] = last ? [shape[1], shape[0]] : shape;
    return last
      ? { channels: c, height: 1, width: l, channelStride: 1, rowStride: 0, colStride: c, spatial: [l] }
      : { channels: c, height: 1, width: l, channelStride: l, rowStride: 0, colStride: 1, spatial: [l] };
  }
  throw new ModelError(
    `ascent: jitter, total variation and blur need an image or signal input; this model's input is ${formatShape(shape)}`,
  );
}

function at(g: Grid, c: number, i: number, j: number): number {
  return c * g.channelStride + i * g.rowStride + j * g.colStride;
}

/** x rolled along its spatial axes (torch.roll: element k moves to k + shift, wrapping). */
export function rollInput(g: Grid, x: Float32Array, shift: readonly number[]): Float32Array {
  const [dy, dx] = g.spatial.length === 2 ? shift : [0, shift[0]];
  const mod = (a: number, n: number): number => ((a % n) + n) % n;
  const out = new Float32Array(x.length);
  for (let c = 0; c < g.channels; c++) {
    for (let i = 0; i < g.height; i++) {
      for (let j = 0; j < g.width; j++) out[at(g, c, mod(i + dy, g.height), mod(j + dx, g.width))] = x[at(g, c, i, j)];
    }
  }
  return out;
}

/** Σ over neighbouring pixels of each channel of (difference)², and its gradient. */
export function totalVariation(g: Grid, x: ArrayLike<number>): { value: number; gradient: Float64Array } {
  const gradient = new Float64Array(x.length);
  let value = 0;
  const pair = (a: number, b: number): void => {
    const d = x[b] - x[a];
    value += d * d;
    gradient[a] -= 2 * d;
    gradient[b] += 2 * d;
  };
  for (let c = 0; c < g.channels; c++) {
    for (let i = 0; i < g.height; i++) {
      for (let j = 0; j < g.width; j++) {
        if (i + 1 < g.height) pair(at(g, c, i, j), at(g, c, i + 1, j));
        if (j + 1 < g.width) pair(at(g, c, i, j), at(g, c, i, j + 1));
      }
    }
  }
  return { value, gradient };
}

/** K·v: the [1 2 1]/4 kernel along each spatial axis, edges repeated (a symmetric matrix). */
function blurred(g: Grid, v: ArrayLike<number>): Float64Array {
  const pass = (src: ArrayLike<number>, alongRows: boolean): Float64Array => {
    const out = new Float64Array(src.length);
    for (let c = 0; c < g.channels; c++) {
      for (let i = 0; i < g.height; i++) {
        for (let j = 0; j < g.width; j++) {
          const k = at(g, c, i, j);
          const prev = alongRows ? at(g, c, Math.max(i - 1, 0), j) : at(g, c, i, Math.max(j - 1, 0));
          const next = alongRows ? at(g, c, Math.min(i + 1, g.height - 1), j) : at(g, c, i, Math.min(j + 1, g.width - 1));
          out[k] = 0.25 * src[prev] + 0.5 * src[k] + 0.25 * src[next];
        }
      }
    }
    return out;
  };
  const rows = g.height > 1 ? pass(v, true) : Float64Array.from(v);
  return pass(rows, false);
}

/**
 * ½‖x − Kx‖², K the blur above: what Lucid's blur_input_each_step pulls towards, as a
 * penalty. K is symmetric, so the gradient is (I − K)²x.
 */
export function blurPenalty(g: Grid, x: ArrayLike<number>): { value: number; gradient: Float64Array } {
  const residual = Float64Array.from(x);
  const kx = blurred(g, x);
  let value = 0;
  for (let i = 0; i < residual.length; i++) {
    residual[i] -= kx[i];
    value += 0.5 * residual[i] * residual[i];
  }
  const kr = blurred(g, residual);
  const gradient = new Float64Array(residual.length);
  for (let i = 0; i < gradient.length; i++) gradient[i] = residual[i] - kr[i];
  return { value, gradient };
}
