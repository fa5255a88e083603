import { attrNumbers } from '../graph';
import type { OpContext, OpDef } from '../op';
import { sizeOf, stridesOf, type Tensor } from '../tensor';
import { gatherInto, scatterAddBatch, stridedIndex } from './index-map';
import { allocData, inputShape, makeTensor, opError } from './op-args';

/** Transpose (ONNX Operators.md#Transpose): perm defaults to reversing the axes. */
function plan(ctx: OpContext): { outShape: number[]; index: () => Int32Array } {
  const shape = inputShape(ctx, 0);
  const rank = shape.length;
  const perm = attrNumbers(ctx.node, 'perm', undefined) ?? shape.map((_, i) => rank - 1 - i);
  const seen = new Set(perm);
  if (perm.length !== rank || seen.size !== rank || perm.some((p) => !Number.isInteger(p) || p < 0 || p >= rank)) {
    throw opError(ctx, `perm [${perm.join(', ')}] is not a permutation of the ${rank} axes`);
  }
  const strides = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]);
  return { outShape, index: () => stridedIndex(outShape, perm.map((p) => strides[p])) };
}

export const transposeOp: OpDef = {
  type: 'Transpose',
  kind: 'linear',
  inferShapes: (ctx) => [plan(ctx).outShape],
  forward(ctx, inputs) {
    const x = inputs[0] as Tensor;
    const p = plan(ctx);
    return [makeTensor(x.dtype, p.outShape, gatherInto(x.data, p.index(), allocData(x.dtype, x.data.length)))];
  },
  reverse(ctx, [g]) {
    if (!g) return [undefined];
    return [scatterAddBatch(g, ctx.batch, plan(ctx).index(), sizeOf(inputShape(ctx, 0)))];
  },
};
