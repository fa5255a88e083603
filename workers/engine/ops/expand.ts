import type { OpContext, OpDef } from '../op';
import { sizeOf, stridesOf, type Tensor } from '../tensor';
import { broadcastIndex, broadcastShapes } from './broadcast-util';
import { gatherInto, scatterAddBatch, stridedIndex } from './index-map';
import { allocData, checkedShape, constantInts, inputShape, makeTensor, opError } from './op-args';

/** Expand (ONNX Operators.md#Expand): broadcast to a shape, both ways; the reversal sums over the copies. */
function expandShape(ctx: OpContext, inputs?: readonly (Tensor | undefined)[]): number[] {
  const target = checkedShape(ctx, constantInts(ctx, 1, 'the shape input', inputs), 'shape');
  return checkedShape(ctx, broadcastShapes(inputShape(ctx, 0), target, `node "${ctx.node.name}" (Expand): `), 'the output shape');
}

export const expandOp: OpDef = {
  type: 'Expand',
  kind: 'linear',
  inferShapes: (ctx) => [expandShape(ctx)],
  forward(ctx, inputs) {
    const x = inputs[0] as Tensor;
    const outShape = expandShape(ctx, inputs);
    const index = broadcastIndex(x.shape, outShape);
    return [makeTensor(x.dtype, outShape, gatherInto(x.data, index, allocData(x.dtype, index.length)))];
  },
  reverse(ctx, [g]) {
    if (!g) return [undefined, undefined];
    const shape = inputShape(ctx, 0);
    return [scatterAddBatch(g, ctx.batch, broadcastIndex(shape, expandShape(ctx)), sizeOf(shape)), undefined];
  },
};

/**
 * Tile (ONNX Operators.md#Tile). Output axis d of size r_d·n_d, walked in C order, is the
 * pair (copy r, position i) with i fastest: the strided walk over [r_0, n_0, r_1, n_1, …]
 * with strides [0, s_0, 0, s_1, …] reads the source of every output element in order.
 */
function tilePlan(ctx: OpContext, inputs?: readonly (Tensor | undefined)[]): { outShape: number[]; index: () => Int32Array } {
  const shape = inputShape(ctx, 0);
  const repeats = constantInts(ctx, 1, 'repeats', inputs);
  if (repeats.length !== shape.length || repeats.some((r) => !Number.isInteger(r) || r < 0)) {
    throw opError(ctx, `repeats [${repeats.join(', ')}] do not fit an input of rank ${shape.length}`);
  }
  const strides = stridesOf(shape);
  const walk = shape.flatMap((n, d) => [repeats[d], n]);
  const walkStrides = strides.flatMap((s) => [0, s]);
  const outShape = checkedShape(ctx, shape.map((n, d) => n * repeats[d]), 'the output shape');
  return { outShape, index: () => stridedIndex(walk, walkStrides) };
}

export const tileOp: OpDef = {
  type: 'Tile',
  kind: 'linear',
  inferShapes: (ctx) => [tilePlan(ctx).outShape],
  forward(ctx, inputs) {
    const x = inputs[0] as Tensor;
    const p = tilePlan(ctx, inputs);
    const index = p.index();
    return [makeTensor(x.dtype, p.outShape, gatherInto(x.data, index, allocData(x.dtype, index.length)))];
  },
  reverse(ctx, [g]) {
    if (!g) return [undefined, undefined];
    return [scatterAddBatch(g, ctx.batch, tilePlan(ctx).index(), sizeOf(inputShape(ctx, 0))), undefined];
  },
};
