import { sizeOf, type Shape } from '../tensor';

/**
 * Index maps: ops that only move values (Transpose, Slice, Expand, Tile, Gather) are
 * described by, for each output element, the flat index of the input element it reads.
 * Forward gathers through the map; the reversal (its transpose) scatter-adds through it.
 */

/**
 * For the C-order walk over `shape`, base + Σ_d i_d·strides[d]: the source index of each
 * element of a strided view (a transpose, a slice, a broadcast with zero strides).
 */
export function stridedIndex(shape: Shape, strides: readonly number[], base = 0): Int32Array {
  const n = sizeOf(shape);
  const out = new Int32Array(n);
  if (n === 0) return out;
  const rank = shape.length;
  if (rank === 0) {
    out[0] = base;
    return out;
  }
  const last = shape[rank - 1];
  const lastStride = strides[rank - 1];
  const counter = new Array<number>(rank).fill(0);
  let offset = base;
  let k = 0;
  for (;;) {
    for (let j = 0, p = offset; j < last; j++, p += lastStride) out[k++] = p;
    let d = rank - 2;
    for (; d >= 0; d--) {
      counter[d]++;
      offset += strides[d];
      if (counter[d] < shape[d]) break;
      offset -= strides[d] * shape[d];
      counter[d] = 0;
    }
    if (d < 0) return out;
  }
}

/** out[i] = src[index[i]]. */
export function gatherInto<T extends Float32Array | Float64Array>(src: ArrayLike<number>, index: Int32Array, out: T): T {
  for (let i = 0; i < index.length; i++) out[i] = src[index[i]];
  return out;
}

/**
 * The reversal of a gather, for `batch` seeds at once: grad[s][index[i]] += g[s][i],
 * g holding batch × index.length values and the result batch × inSize.
 */
export function scatterAddBatch(g: Float32Array, batch: number, index: Int32Array, inSize: number): Float32Array {
  const outSize = index.length;
  const grad = new Float32Array(batch * inSize);
  for (let s = 0; s < batch; s++) {
    const go = s * outSize;
    const gi = s * inSize;
    for (let i = 0; i < outSize; i++) grad[gi + index[i]] += g[go + i];
  }
  return grad;
}

/** For `batch` seeds at once: out[s][i] = g[s][index[i]] · scale, g holding batch × gSize values. */
export function gatherBatch(g: Float32Array, batch: number, index: Int32Array, gSize: number, scale = 1): Float32Array {
  const n = index.length;
  const out = new Float32Array(batch * n);
  for (let s = 0; s < batch; s++) {
    const go = s * gSize;
    const oo = s * n;
    if (scale === 1) for (let i = 0; i < n; i++) out[oo + i] = g[go + index[i]];
    else for (let i = 0; i < n; i++) out[oo + i] = g[go + index[i]] * scale;
  }
  return out;
}
