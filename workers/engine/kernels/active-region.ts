import { zeroedFloats } from './scratch';
import { windowGeometry, type Triple, type WindowGeometry } from './window-geometry';

/**
 * Receptive-field restriction (issue 9). A seed at one position reaches, one layer back,
 * only the positions its kernel covers: the gradient is zero outside a box that grows by a
 * kernel per layer (the neuron's cone back to the input). A transposed window op then needs
 * only the output positions inside the box; cropping to it gives the same sums, exactly.
 */
export interface Box {
  readonly lo: Triple;
  readonly hi: Triple;
}

/** The smallest box holding every non-zero output position of `planes` planes of g's output, or null when all are zero. */
export function nonzeroBox(g: WindowGeometry, data: Float32Array, planes: number): Box | null {
  const [outD, outH, outW] = g.outShape;
  const lo: Triple = [outD, outH, outW];
  const hi: Triple = [0, 0, 0];
  const P = g.outSize;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * P;
    for (let d = 0; d < outD; d++) {
      for (let h = 0; h < outH; h++) {
        const row = base + (d * outH + h) * outW;
        if (d >= lo[0] && d < hi[0] && h >= lo[1] && h < hi[1]) {
          // A row inside the box found so far: its columns inside cannot widen it (every plane of a batch has much the same box).
          for (let w = 0; w < lo[2]; w++) {
            if (data[row + w] !== 0) {
              lo[2] = w;
              break;
            }
          }
          for (let w = outW - 1; w >= hi[2]; w--) {
            if (data[row + w] !== 0) {
              hi[2] = w + 1;
              break;
            }
          }
          continue;
        }
        let first = 0;
        while (first < outW && data[row + first] === 0) first++;
        if (first === outW) continue;
        let last = outW - 1;
        while (data[row + last] === 0) last--;
        if (d < lo[0]) lo[0] = d;
        if (d >= hi[0]) hi[0] = d + 1;
        if (h < lo[1]) lo[1] = h;
        if (h >= hi[1]) hi[1] = h + 1;
        if (first < lo[2]) lo[2] = first;
        if (last >= hi[2]) hi[2] = last + 1;
      }
    }
  }
  return hi[0] > 0 ? { lo, hi } : null;
}

export function boxSize(box: Box): number {
  return (box.hi[0] - box.lo[0]) * (box.hi[1] - box.lo[1]) * (box.hi[2] - box.lo[2]);
}

/** The same window restricted to the output positions in the box (the input is unchanged). */
export function cropGeometry(g: WindowGeometry, box: Box): WindowGeometry {
  return windowGeometry({
    inShape: g.inShape,
    outShape: [0, 1, 2].map((a) => box.hi[a] - box.lo[a]),
    kernel: g.kernel,
    strides: g.strides,
    dilations: g.dilations,
    padsBegin: [0, 1, 2].map((a) => g.padsBegin[a] - box.lo[a] * g.strides[a]),
  });
}

/** Copies the box of each of `planes` output planes into planes of the box's size (a scratch array: recycle it after use). */
export function gatherBox(g: WindowGeometry, box: Box, data: Float32Array, planes: number): Float32Array {
  const [, outH, outW] = g.outShape;
  const [bD, bH, bW] = [box.hi[0] - box.lo[0], box.hi[1] - box.lo[1], box.hi[2] - box.lo[2]];
  const out = zeroedFloats(planes * bD * bH * bW);
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * g.outSize;
    for (let d = box.lo[0]; d < box.hi[0]; d++) {
      for (let h = box.lo[1]; h < box.hi[1]; h++) {
        const row = base + (d * outH + h) * outW;
        for (let w = box.lo[2]; w < box.hi[2]; w++) out[o++] = data[row + w];
      }
    }
  }
  return out;
}
