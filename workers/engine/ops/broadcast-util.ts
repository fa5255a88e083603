import { ModelError } from '../graph';
import { sizeOf, stridesOf, type Shape, type Tensor } from '../tensor';

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

/** For each element of `outShape`, the flat index into a tensor of `shape` broadcast to it. */
export function broadcastIndex(shape: Shape, outShape: Shape): Int32Array {
  const n = sizeOf(outShape);
  const index = new Int32Array(n);
  const rank = outShape.length;
  const padded = [...new Array<number>(rank - shape.length).fill(1), ...shape];
  const srcStrides = stridesOf(padded).map((s, i) => (padded[i] === 1 ? 0 : s));
  const outStrides = stridesOf(outShape);
  for (let i = 0; i < n; i++) {
    let rem = i;
    let src = 0;
    for (let d = 0; d < rank; d++) {
      const q = Math.floor(rem / outStrides[d]);
      rem -= q * outStrides[d];
      src += q * srcStrides[d];
    }
    index[i] = src;
  }
  return index;
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
