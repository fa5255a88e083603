import { attrNumber } from '../graph';
import type { OpContext, OpDef } from '../op';
import { sizeOf, type Shape, type Tensor } from '../tensor';
import { allocData, commonDType, hasInput, isVariable, makeTensor, normalizeAxis, opError, requireInputs } from './op-args';

/** Concat (ONNX Operators.md#Concat): the reversal hands each input its slab of the gradient. */
interface Plan {
  outShape: number[];
  /** Product of the dimensions before the axis. */
  outer: number;
  /** Values per outer step: of each input, and of the output. */
  widths: number[];
  total: number;
}

function plan(ctx: OpContext): Plan {
  const shapes: Shape[] = ctx.node.inputs.map((_, i) => {
    const s = ctx.inputShapes[i];
    if (!hasInput(ctx, i) || !s) throw opError(ctx, `input ${i} is missing`);
    return s;
  });
  if (shapes.length === 0) throw opError(ctx, 'needs at least one input');
  const rank = shapes[0].length;
  if (rank === 0) throw opError(ctx, 'cannot concatenate scalars');
  if (ctx.node.attrs.axis === undefined) throw opError(ctx, 'the axis attribute is missing');
  const axis = normalizeAxis(ctx, attrNumber(ctx.node, 'axis', 0), rank);
  const outShape = [...shapes[0]];
  outShape[axis] = 0;
  for (const s of shapes) {
    if (s.length !== rank || s.some((d, i) => i !== axis && d !== shapes[0][i])) {
      throw opError(ctx, `inputs [${shapes.map((x) => x.join(',')).join('] [')}] differ outside axis ${axis}`);
    }
    outShape[axis] += s[axis];
  }
  const inner = sizeOf(shapes[0].slice(axis + 1));
  const widths = shapes.map((s) => s[axis] * inner);
  return { outShape, outer: sizeOf(shapes[0].slice(0, axis)), widths, total: outShape[axis] * inner };
}

export const concatOp: OpDef = {
  type: 'Concat',
  kind: 'linear',
  inferShapes: (ctx) => [plan(ctx).outShape],
  batchFirst: (ctx) => normalizeAxis(ctx, attrNumber(ctx.node, 'axis', 0), ctx.inputShapes[0]?.length ?? 0) !== 0,
  forward(ctx, inputs) {
    const p = plan(ctx);
    const xs = requireInputs(ctx, inputs, ctx.node.inputs.length);
    const dtype = commonDType(xs);
    const y = allocData(dtype, sizeOf(p.outShape));
    let offset = 0;
    xs.forEach((x: Tensor, k) => {
      const w = p.widths[k];
      for (let o = 0; o < p.outer; o++) y.set(x.data.subarray(o * w, (o + 1) * w), o * p.total + offset);
      offset += w;
    });
    return [makeTensor(dtype, p.outShape, y)];
  },
  reverse(ctx, [g]) {
    if (!g) return ctx.node.inputs.map(() => undefined);
    const p = plan(ctx);
    const perSeed = p.outer * p.total;
    let offset = 0;
    return ctx.node.inputs.map((_, k) => {
      const w = p.widths[k];
      const start = offset;
      offset += w;
      if (!isVariable(ctx, k)) return undefined;
      const size = p.outer * w;
      const grad = new Float32Array(ctx.batch * size);
      for (let s = 0; s < ctx.batch; s++) {
        for (let o = 0; o < p.outer; o++) {
          const from = s * perSeed + o * p.total + start;
          grad.set(g.subarray(from, from + w), s * size + o * w);
        }
      }
      return grad;
    });
  },
};
