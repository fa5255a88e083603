import { scratchFloats, zeroedFloats } from './kernels/scratch';
import type { OpDef } from './op';
import { attrNumbers, type GraphNode } from './graph';
import type { Shape } from './tensor';

/**
 * The cone model's crop (ascent-cone.ts): N×C×H×W → N×C×h×w, the rows [top, top + h) and
 * columns [left, left + w) of every plane (attribute `box`: top, left, h, w); its reversal
 * pastes the gradient back, zero elsewhere. A Slice does the same through an index map,
 * image by image; this runs on the whole batch with one row copy per output row.
 */
function boxOf(node: GraphNode): [number, number, number, number] {
  const [top, left, h, w] = attrNumbers(node, 'box', [0, 0, 0, 0])!;
  return [top, left, h, w];
}

function crop(x: Float32Array, planes: number, H: number, W: number, top: number, left: number, h: number, w: number, out: Float32Array, paste: boolean): void {
  for (let p = 0; p < planes; p++) {
    for (let r = 0; r < h; r++) {
      const from = (p * H + top + r) * W + left;
      const to = (p * h + r) * w;
      // Loops, not set(subarray()): a view per row of a few floats cost more than the copy, and its garbage.
      if (paste) for (let i = 0; i < w; i++) out[from + i] = x[to + i];
      else for (let i = 0; i < w; i++) out[to + i] = x[from + i];
    }
  }
}

export const coneCropOp: OpDef = {
  type: 'ConeCrop',
  kind: 'linear',
  batchFirst: () => true,
  inferShapes(ctx) {
    const [n, c] = ctx.inputShapes[0]!;
    const [, , h, w] = boxOf(ctx.node);
    return [[n, c, h, w]];
  },
  forward(ctx, inputs) {
    const x = inputs[0]!;
    const [n, c, H, W] = x.shape;
    const [top, left, h, w] = boxOf(ctx.node);
    const shape: Shape = [n, c, h, w];
    const out = scratchFloats(n * c * h * w);
    crop(x.data as Float32Array, n * c, H, W, top, left, h, w, out, false);
    return [{ dtype: 'float32', shape, data: out }];
  },
  reverse(ctx, [gy]) {
    if (!gy) return [undefined];
    const [, c, H, W] = ctx.inputShapes[0]!;
    const [top, left, h, w] = boxOf(ctx.node);
    const gx = zeroedFloats(ctx.batch * c * H * W);
    crop(gy, ctx.batch * c, H, W, top, left, h, w, gx, true);
    return [gx];
  },
};
