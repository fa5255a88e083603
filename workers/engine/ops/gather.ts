import { attrNumber } from '../graph';
import type { OpContext, OpDef, ReverseContext } from '../op';
import { sizeOf, type Tensor } from '../tensor';
import { gatherInto, scatterAddBatch } from './index-map';
import { allocData, inputShape, isVariable, makeTensor, normalizeAxis, opError } from './op-args';

/**
 * Gather (ONNX Operators.md#Gather) on axis a: out[i…, j…, k…] = data[i…, indices[j…], k…].
 * With constant indices it is linear in the data, and its reversal scatter-adds.
 */
function outShapeOf(ctx: OpContext): { axis: number; outShape: number[] } {
  const data = inputShape(ctx, 0);
  const indices = inputShape(ctx, 1);
  if (data.length === 0) throw opError(ctx, 'cannot gather from a scalar');
  const axis = normalizeAxis(ctx, attrNumber(ctx.node, 'axis', 0), data.length);
  return { axis, outShape: [...data.slice(0, axis), ...indices, ...data.slice(axis + 1)] };
}

/** The flat data index read by each output element. */
function indexMap(ctx: OpContext, indices: Tensor): Int32Array {
  const data = inputShape(ctx, 0);
  const { axis } = outShapeOf(ctx);
  const dim = data[axis];
  const outer = sizeOf(data.slice(0, axis));
  const inner = sizeOf(data.slice(axis + 1));
  const count = indices.data.length;
  const rows = new Int32Array(count);
  for (let j = 0; j < count; j++) {
    const v = indices.data[j];
    const r = v < 0 ? v + dim : v;
    if (!Number.isInteger(r) || r < 0 || r >= dim) throw opError(ctx, `index ${v} is out of range for axis ${axis} of size ${dim}`);
    rows[j] = r;
  }
  const map = new Int32Array(outer * count * inner);
  let k = 0;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < count; j++) {
      const from = (o * dim + rows[j]) * inner;
      for (let i = 0; i < inner; i++) map[k++] = from + i;
    }
  }
  return map;
}

function indicesAt(ctx: ReverseContext): Tensor {
  const t = ctx.constants[1] ?? ctx.reference?.inputs[1];
  if (!t) throw opError(ctx, 'the indices vary with the input; this mode needs a reference input');
  return t;
}

export const gatherOp: OpDef = {
  type: 'Gather',
  kind: 'linear',
  // Indices computed from the input make the output piecewise constant in them.
  kindAt: (ctx) => (isVariable(ctx, 1) ? 'nonlinear' : 'linear'),
  inferShapes(ctx) {
    const indices = ctx.constants[1];
    if (indices) indexMap(ctx, indices);
    return [outShapeOf(ctx).outShape];
  },
  forward(ctx, inputs) {
    const [x, indices] = inputs as Tensor[];
    const { outShape } = outShapeOf(ctx);
    const map = indexMap(ctx, indices);
    return [makeTensor(x.dtype, outShape, gatherInto(x.data, map, allocData(x.dtype, map.length)))];
  },
  reverse(ctx, [g]) {
    if (!g || !isVariable(ctx, 0)) return [undefined, undefined];
    return [scatterAddBatch(g, ctx.batch, indexMap(ctx, indicesAt(ctx)), sizeOf(inputShape(ctx, 0))), undefined];
  },
};
