import { ModelError } from '../graph';
import { sizeOf, stridesOf, type Shape, type Tensor } from '../tensor';
import { gatherInto, stridedIndex } from './index-map';

/** Numpy-style broadcast of shapes (ONNX Broadcasting.md). */
export function broadcastShapes(a: Shape, b: Shape, where = ''): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ModelError(`${where}shapes [${a.join(',')}] and [${b.join(',')}] do not broadcast`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides that read a tensor of `shape` as if broadcast to `outShape` (zero on broadcast axes). */
function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const rank = outShape.length;
  const padded = [...new Array<number>(rank - shape.length).fill(1), ...shape];
  return stridesOf(padded).map((s, i) => (padded[i] === 1 ? 0 : s));
}

/** For each element of `outShape`, the flat index into a tensor of `shape` broadcast to it. */
export function broadcastIndex(shape: Shape, outShape: Shape): Int32Array {
  return stridedIndex(outShape, broadcastStrides(shape, outShape));
}

/** The broadcast shape of several operands (Sum, Mean, Max, Where …). */
export function broadcastAll(shapes: readonly Shape[], where = ''): number[] {
  let out: number[] = [];
  for (const s of shapes) out = broadcastShapes(out, s, where);
  return out;
}

/** Values of `t` broadcast to `outShape`, keeping the array type (float32, or float64 for integers); `t.data` itself when no broadcast is needed. */
export function expandValues(t: Tensor, outShape: Shape): Float32Array | Float64Array {
  const n = sizeOf(outShape);
  if (t.data.length === n) return t.data;
  const out = t.data instanceof Float32Array ? new Float32Array(n) : new Float64Array(n);
  return gatherInto(t.data, broadcastIndex(t.shape, outShape), out);
}

/** Values of `t` broadcast to `outShape`, as float32. */
export function broadcastInto(t: Tensor, outShape: Shape): Float32Array {
  const out = new Float32Array(sizeOf(outShape));
  if (t.data.length === out.length) {
    out.set(t.data);
    return out;
  }
  const index = broadcastIndex(t.shape, outShape);
  for (let i = 0; i < out.length; i++) out[i] = t.data[index[i]];
  return out;
}

/** Sums a batch of gradients of `outShape` down to an operand of `shape` (the reverse of broadcasting). */
export function unbroadcast(g: Float32Array, batch: number, outShape: Shape, shape: Shape): Float32Array {
  const nOut = sizeOf(outShape);
  const nIn = sizeOf(shape);
  if (nOut === nIn) return g;
  const index = broadcastIndex(shape, outShape);
  const out = new Float32Array(batch * nIn);
  for (let s = 0; s < batch; s++) {
    const go = s * nOut;
    const gi = s * nIn;
    for (let i = 0; i < nOut; i++) out[gi + index[i]] += g[go + i];
  }
  return out;
}

/** For every seed, g ⊙ coefficient (given over `outShape`), summed down to an operand of `shape`. */
export function unbroadcastScaled(g: Float32Array, batch: number, coefficient: ArrayLike<number>, outShape: Shape, shape: Shape): Float32Array {
  const n = sizeOf(outShape);
  const t = new Float32Array(batch * n);
  for (let s = 0; s < batch; s++) {
    const o = s * n;
    for (let i = 0; i < n; i++) t[o + i] = g[o + i] * coefficient[i];
  }
  return unbroadcast(t, batch, outShape, shape);
}
