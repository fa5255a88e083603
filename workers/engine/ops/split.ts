import { attrNumber } from '../graph';
import type { OpContext, OpDef } from '../op';
import { sizeOf, type Tensor } from '../tensor';
import { allocData, inputShape, intsFrom, makeTensor, normalizeAxis, opError } from './op-args';

/**
 * Split (ONNX Operators.md#Split): sizes from the `split` attribute (opset < 13) or input
 * (opset >= 13), else `num_outputs` (opset 18) or the number of outputs, in equal parts
 * (the last one smaller when the axis does not divide evenly). Every output is a layer.
 */
interface Plan {
  shapes: number[][];
  outer: number;
  widths: number[];
  total: number;
}

function plan(ctx: OpContext, inputs?: readonly (Tensor | undefined)[]): Plan {
  const shape = inputShape(ctx, 0);
  const axis = normalizeAxis(ctx, attrNumber(ctx.node, 'axis', 0), shape.length);
  const dim = shape[axis];
  const count = ctx.node.outputs.length;
  let sizes = intsFrom(ctx, 1, 'split', inputs);
  if (sizes) {
    if (sizes.length !== count) throw opError(ctx, `split [${sizes.join(', ')}] has ${sizes.length} parts for ${count} outputs`);
    if (sizes.some((s) => !Number.isInteger(s) || s < 0) || sizes.reduce((a, b) => a + b, 0) !== dim) {
      throw opError(ctx, `split [${sizes.join(', ')}] does not add up to the axis size ${dim}`);
    }
  } else {
    const parts = attrNumber(ctx.node, 'num_outputs', count);
    if (parts !== count) throw opError(ctx, `num_outputs is ${parts} but the node has ${count} outputs`);
    const chunk = Math.ceil(dim / parts);
    sizes = Array.from({ length: parts }, (_, k) => Math.max(0, Math.min(chunk, dim - k * chunk)));
  }
  const inner = sizeOf(shape.slice(axis + 1));
  const shapes = sizes.map((s) => shape.map((d, i) => (i === axis ? s : d)));
  return { shapes, outer: sizeOf(shape.slice(0, axis)), widths: sizes.map((s) => s * inner), total: dim * inner };
}

export const splitOp: OpDef = {
  type: 'Split',
  kind: 'linear',
  everyOutputIsLayer: true,
  inferShapes: (ctx) => plan(ctx).shapes,
  forward(ctx, inputs) {
    const x = inputs[0] as Tensor;
    const p = plan(ctx, inputs);
    let offset = 0;
    return p.shapes.map((shape, k) => {
      const w = p.widths[k];
      const y = allocData(x.dtype, p.outer * w);
      for (let o = 0; o < p.outer; o++) {
        const from = o * p.total + offset;
        y.set(x.data.subarray(from, from + w), o * w);
      }
      offset += w;
      return makeTensor(x.dtype, shape, y);
    });
  },
  reverse(ctx, grads) {
    const p = plan(ctx);
    const perSeed = p.outer * p.total;
    const gx = new Float32Array(ctx.batch * perSeed);
    let offset = 0;
    p.widths.forEach((w, k) => {
      const g = grads[k];
      if (g) {
        const size = p.outer * w;
        for (let s = 0; s < ctx.batch; s++) {
          for (let o = 0; o < p.outer; o++) gx.set(g.subarray(s * size + o * w, s * size + (o + 1) * w), s * perSeed + o * p.total + offset);
        }
      }
      offset += w;
    });
    return [gx, undefined];
  },
};
