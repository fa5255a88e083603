import type { OpContext, OpDef } from '../op';
import { sizeOf } from '../tensor';
import { broadcastAll, expandValues, unbroadcastScaled } from './broadcast-util';
import { allocData, commonDType, inputShape, isVariable, makeTensor, opError } from './op-args';

/**
 * Where (ONNX Operators.md#Where) with broadcasting: linear in X and Y for a constant
 * condition; a condition computed from the input is taken at the reference input.
 */
function outShapeOf(ctx: OpContext): number[] {
  return broadcastAll([0, 1, 2].map((i) => inputShape(ctx, i)), `node "${ctx.node.name}" (Where): `);
}

export const whereOp: OpDef = {
  type: 'Where',
  kind: 'linear',
  kindAt: (ctx) => (isVariable(ctx, 0) ? 'nonlinear' : 'linear'),
  inferShapes: (ctx) => [outShapeOf(ctx)],
  forward(ctx, inputs) {
    const [c, x, y] = inputs;
    if (!c || !x || !y) throw opError(ctx, 'needs a condition and two operands');
    const outShape = broadcastAll([c.shape, x.shape, y.shape], `node "${ctx.node.name}" (Where): `);
    const C = expandValues(c, outShape);
    const X = expandValues(x, outShape);
    const Y = expandValues(y, outShape);
    const dtype = commonDType([x, y]);
    const out = allocData(dtype, sizeOf(outShape));
    for (let i = 0; i < out.length; i++) out[i] = C[i] !== 0 ? X[i] : Y[i];
    return [makeTensor(dtype, outShape, out)];
  },
  reverse(ctx, [g]) {
    if (!g) return [undefined, undefined, undefined];
    const outShape = ctx.outputShapes[0];
    const cond = ctx.constants[0] ?? ctx.reference?.inputs[0];
    if (!cond) throw opError(ctx, 'the condition varies with the input; this mode needs a reference input');
    const C = expandValues(cond, outShape);
    const pick = (side: 1 | 2): Float32Array | undefined => {
      if (!isVariable(ctx, side)) return undefined;
      const mask = new Float32Array(C.length);
      for (let i = 0; i < C.length; i++) mask[i] = (C[i] !== 0) === (side === 1) ? 1 : 0;
      return unbroadcastScaled(g, ctx.batch, mask, outShape, inputShape(ctx, side));
    };
    return [undefined, pick(1), pick(2)];
  },
};
