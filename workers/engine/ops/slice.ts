import type { OpContext, OpDef } from '../op';
import { sizeOf, stridesOf, type Tensor } from '../tensor';
import { gatherInto, scatterAddBatch, stridedIndex } from './index-map';
import { allocData, inputShape, intsFrom, makeTensor, normalizeAxis, opError } from './op-args';

/**
 * Slice (ONNX Operators.md#Slice): starts/ends/axes as attributes before opset 10, and
 * starts/ends/axes/steps as inputs from then on. Out-of-range bounds clamp as the spec
 * says (INT64_MAX/INT64_MIN ends included); negative steps walk backwards.
 */
function plan(ctx: OpContext, inputs?: readonly (Tensor | undefined)[]): { outShape: number[]; index: () => Int32Array } {
  const shape = inputShape(ctx, 0);
  const rank = shape.length;
  const starts = intsFrom(ctx, 1, 'starts', inputs);
  const ends = intsFrom(ctx, 2, 'ends', inputs);
  if (!starts || !ends) throw opError(ctx, 'starts and ends are required');
  const axes = intsFrom(ctx, 3, 'axes', inputs) ?? starts.map((_, i) => i);
  const steps = intsFrom(ctx, 4, 'steps', inputs) ?? starts.map(() => 1);
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) {
    throw opError(ctx, `starts, ends, axes and steps have different lengths (${starts.length}, ${ends.length}, ${axes.length}, ${steps.length})`);
  }
  const first = new Array<number>(rank).fill(0);
  const step = new Array<number>(rank).fill(1);
  const outShape = [...shape];
  const done = new Set<number>();
  axes.forEach((a, i) => {
    const axis = normalizeAxis(ctx, a, rank);
    if (done.has(axis)) throw opError(ctx, `axis ${axis} is sliced twice`);
    done.add(axis);
    const dim = shape[axis];
    const st = steps[i];
    if (!Number.isInteger(st) || st === 0) throw opError(ctx, `step ${st} on axis ${axis} is not a non-zero integer`);
    let start = starts[i] < 0 ? starts[i] + dim : starts[i];
    let end = ends[i] < 0 ? ends[i] + dim : ends[i];
    if (st > 0) {
      start = clamp(start, 0, dim);
      end = clamp(end, 0, dim);
    } else {
      start = clamp(start, 0, dim - 1);
      end = clamp(end, -1, dim - 1);
    }
    first[axis] = start;
    step[axis] = st;
    outShape[axis] = Math.max(0, Math.ceil((end - start) / st));
  });
  const strides = stridesOf(shape);
  const base = first.reduce((acc, f, d) => acc + (outShape[d] > 0 ? f * strides[d] : 0), 0);
  return { outShape, index: () => stridedIndex(outShape, strides.map((s, d) => s * step[d]), base) };
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

export const sliceOp: OpDef = {
  type: 'Slice',
  kind: 'linear',
  inferShapes: (ctx) => [plan(ctx).outShape],
  forward(ctx, inputs) {
    const x = inputs[0] as Tensor;
    const p = plan(ctx, inputs);
    const index = p.index();
    return [makeTensor(x.dtype, p.outShape, gatherInto(x.data, index, allocData(x.dtype, index.length)))];
  },
  reverse(ctx, [g]) {
    const none = ctx.node.inputs.map(() => undefined);
    if (!g) return none;
    return [scatterAddBatch(g, ctx.batch, plan(ctx).index(), sizeOf(inputShape(ctx, 0))), ...none.slice(1)];
  },
};
