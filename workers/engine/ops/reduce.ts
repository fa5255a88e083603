import { attrNumber } from '../graph';
import type { OpContext, OpDef } from '../op';
import { sizeOf, stridesOf, type Tensor } from '../tensor';
import { gatherBatch, stridedIndex } from './index-map';
import { allocData, inputShape, intsFrom, makeTensor, normalizeAxis, opError } from './op-args';

/**
 * ReduceSum and ReduceMean (ONNX Operators.md#ReduceSum): axes as an attribute (ReduceSum
 * before opset 13, ReduceMean before 18) or as an input; keepdims; an empty axes list
 * reduces everything unless noop_with_empty_axes is set. Both are linear: the reversal
 * hands every input element its output's gradient (divided by the count for the mean).
 */
interface Plan {
  outShape: number[];
  /** Number of input elements behind each output element. */
  count: number;
  /** For each input element, its output element; undefined for the no-op. */
  index?: () => Int32Array;
}

function plan(ctx: OpContext, inputs?: readonly (Tensor | undefined)[]): Plan {
  const shape = inputShape(ctx, 0);
  const rank = shape.length;
  const axes = intsFrom(ctx, 1, 'axes', inputs) ?? [];
  const keepdims = attrNumber(ctx.node, 'keepdims', 1) !== 0;
  if (axes.length === 0 && attrNumber(ctx.node, 'noop_with_empty_axes', 0) !== 0) return { outShape: [...shape], count: 1 };
  const reduced = new Set(axes.length === 0 ? shape.map((_, i) => i) : axes.map((a) => normalizeAxis(ctx, a, rank)));
  if (reduced.size !== (axes.length === 0 ? rank : axes.length)) throw opError(ctx, `axes [${axes.join(', ')}] repeat an axis`);
  const kept = shape.map((d, i) => (reduced.has(i) ? 1 : d));
  const outStrides = stridesOf(kept).map((s, i) => (reduced.has(i) ? 0 : s));
  return {
    outShape: keepdims ? kept : shape.filter((_, i) => !reduced.has(i)),
    count: shape.reduce((p, d, i) => (reduced.has(i) ? p * d : p), 1),
    index: () => stridedIndex(shape, outStrides),
  };
}

function reduceOp(type: string, mean: boolean): OpDef {
  return {
    type,
    kind: 'linear',
    inferShapes: (ctx) => [plan(ctx).outShape],
    forward(ctx, inputs) {
      const x = inputs[0] as Tensor;
      const p = plan(ctx, inputs);
      if (!p.index) return [makeTensor(x.dtype, p.outShape, x.data)];
      const index = p.index();
      const sums = new Float64Array(sizeOf(p.outShape));
      for (let i = 0; i < index.length; i++) sums[index[i]] += x.data[i];
      const y = allocData(x.dtype, sums.length);
      const integer = x.dtype !== 'float32';
      for (let j = 0; j < sums.length; j++) {
        const v = mean ? sums[j] / p.count : sums[j];
        y[j] = integer ? Math.trunc(v) : v;
      }
      return [makeTensor(x.dtype, p.outShape, y)];
    },
    reverse(ctx, [g]) {
      const none = ctx.node.inputs.map(() => undefined);
      if (!g) return none;
      const p = plan(ctx);
      if (!p.index) return [g, ...none.slice(1)];
      return [gatherBatch(g, ctx.batch, p.index(), sizeOf(p.outShape), mean ? 1 / p.count : 1), ...none.slice(1)];
    },
  };
}

export const reduceSumOp = reduceOp('ReduceSum', false);
export const reduceMeanOp = reduceOp('ReduceMean', true);
