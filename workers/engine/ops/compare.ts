import type { OpContext, OpDef } from '../op';
import { sizeOf, type Tensor } from '../tensor';
import { broadcastShapes, expandValues } from './broadcast-util';
import { inputShape, makeTensor, opError } from './op-args';

/**
 * Comparisons and logic with broadcasting (Equal, Less, Greater, LessOrEqual,
 * GreaterOrEqual, And, Or, Xor, Not): bool outputs, so their gradient is zero wherever
 * it exists. They matter as folded shape arithmetic and as Where conditions.
 */
type Predicate = (a: number, b: number) => boolean;

const PREDICATES: Readonly<Record<string, Predicate>> = {
  Equal: (a, b) => a === b,
  Less: (a, b) => a < b,
  Greater: (a, b) => a > b,
  LessOrEqual: (a, b) => a <= b,
  GreaterOrEqual: (a, b) => a >= b,
  And: (a, b) => a !== 0 && b !== 0,
  Or: (a, b) => a !== 0 || b !== 0,
  Xor: (a, b) => (a !== 0) !== (b !== 0),
};

function outShapeOf(ctx: OpContext): number[] {
  return broadcastShapes(inputShape(ctx, 0), inputShape(ctx, 1), `node "${ctx.node.name}" (${ctx.node.opType}): `);
}

function comparison(type: string, test: Predicate): OpDef {
  return {
    type,
    kind: 'nonlinear',
    inferShapes: (ctx) => [outShapeOf(ctx)],
    forward(ctx, inputs) {
      const [a, b] = inputs;
      if (!a || !b) throw opError(ctx, 'needs two operands');
      const outShape = broadcastShapes(a.shape, b.shape, `node "${ctx.node.name}" (${type}): `);
      const A = expandValues(a, outShape);
      const B = expandValues(b, outShape);
      const y = new Float64Array(sizeOf(outShape));
      for (let i = 0; i < y.length; i++) y[i] = test(A[i], B[i]) ? 1 : 0;
      return [makeTensor('bool', outShape, y)];
    },
    reverse: (ctx) => ctx.node.inputs.map(() => undefined),
  };
}

export const comparisonOps: OpDef[] = Object.entries(PREDICATES).map(([type, test]) => comparison(type, test));

export const notOp: OpDef = {
  type: 'Not',
  kind: 'nonlinear',
  inferShapes: (ctx) => [[...inputShape(ctx, 0)]],
  forward(_ctx, inputs) {
    const x = inputs[0] as Tensor;
    const y = new Float64Array(x.data.length);
    for (let i = 0; i < y.length; i++) y[i] = x.data[i] === 0 ? 1 : 0;
    return [makeTensor('bool', x.shape, y)];
  },
  reverse: () => [undefined],
};
