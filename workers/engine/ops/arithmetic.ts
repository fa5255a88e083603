import type { OpContext, OpDef, ReverseContext } from '../op';
import { zeroedFloats } from '../kernels/scratch';
import { sizeOf, type Shape, type Tensor } from '../tensor';
import { broadcastShapes, expandValues, unbroadcast, unbroadcastScaled } from './broadcast-util';
import { allocData, commonDType, inputShape, isVariable, makeTensor, opError } from './op-args';

/**
 * Add, Sub, Mul, Div with numpy broadcasting (ONNX Broadcasting.md), and Neg.
 * Add and Sub are linear in both operands; Mul is linear when one side is constant and
 * Div when the divisor is. A product or quotient of two signals (a squeeze-excite gate)
 * is reversed by the product or quotient rule at the reference input in every mode
 * (DESIGN.md §1: a gate has no linear counterpart). The reversal of broadcasting sums
 * the gradient over the broadcast copies.
 */
type Binary = 'Add' | 'Sub' | 'Mul' | 'Div';

function outShapeOf(ctx: OpContext): number[] {
  return broadcastShapes(inputShape(ctx, 0), inputShape(ctx, 1), `node "${ctx.node.name}" (${ctx.node.opType}): `);
}

function compute(kind: Binary, a: Tensor, b: Tensor, outShape: Shape): Tensor {
  const A = expandValues(a, outShape);
  const B = expandValues(b, outShape);
  const dtype = commonDType([a, b]);
  const y = dtype === 'float32' ? zeroedFloats(sizeOf(outShape)) : allocData(dtype, sizeOf(outShape));
  const n = y.length;
  switch (kind) {
    case 'Add':
      for (let i = 0; i < n; i++) y[i] = A[i] + B[i];
      break;
    case 'Sub':
      for (let i = 0; i < n; i++) y[i] = A[i] - B[i];
      break;
    case 'Mul':
      for (let i = 0; i < n; i++) y[i] = A[i] * B[i];
      break;
    case 'Div':
      // Integer division truncates, as ONNX runtimes do.
      if (dtype === 'float32') for (let i = 0; i < n; i++) y[i] = A[i] / B[i];
      else for (let i = 0; i < n; i++) y[i] = Math.trunc(A[i] / B[i]);
      break;
  }
  return makeTensor(dtype, outShape, y);
}

/** The value of operand i where the reversal needs it: the constant, or the reference input. */
function operandAt(ctx: ReverseContext, i: number): Tensor {
  const t = ctx.constants[i] ?? ctx.reference?.inputs[i];
  if (!t) throw opError(ctx, 'both operands vary; this mode needs a reference input');
  return t;
}

function reverseBinary(kind: Binary, ctx: ReverseContext, g: Float32Array): (Float32Array | undefined)[] {
  const outShape = ctx.outputShapes[0];
  const aShape = inputShape(ctx, 0);
  const bShape = inputShape(ctx, 1);
  const wantA = isVariable(ctx, 0);
  const wantB = isVariable(ctx, 1);
  let ga: Float32Array | undefined;
  let gb: Float32Array | undefined;
  switch (kind) {
    case 'Add':
    case 'Sub':
      if (wantA) ga = unbroadcast(g, ctx.batch, outShape, aShape);
      if (wantB) {
        const u = unbroadcast(g, ctx.batch, outShape, bShape);
        if (kind === 'Add') gb = u;
        else {
          gb = new Float32Array(u.length);
          for (let i = 0; i < u.length; i++) gb[i] = -u[i];
        }
      }
      break;
    case 'Mul':
      if (wantA) ga = unbroadcastScaled(g, ctx.batch, expandValues(operandAt(ctx, 1), outShape), outShape, aShape);
      if (wantB) gb = unbroadcastScaled(g, ctx.batch, expandValues(operandAt(ctx, 0), outShape), outShape, bShape);
      break;
    case 'Div': {
      const b = expandValues(operandAt(ctx, 1), outShape);
      if (wantA) {
        const inverse = new Float64Array(b.length);
        for (let i = 0; i < b.length; i++) inverse[i] = 1 / b[i];
        ga = unbroadcastScaled(g, ctx.batch, inverse, outShape, aShape);
      }
      if (wantB) {
        // d(a/b)/db = −a/b²
        const a = expandValues(operandAt(ctx, 0), outShape);
        const coefficient = new Float64Array(b.length);
        for (let i = 0; i < b.length; i++) coefficient[i] = -a[i] / (b[i] * b[i]);
        gb = unbroadcastScaled(g, ctx.batch, coefficient, outShape, bShape);
      }
      break;
    }
  }
  return [ga, gb];
}

function binaryOp(kind: Binary): OpDef {
  return {
    type: kind,
    elementwise: true,
    kind: 'linear',
    kindAt(ctx) {
      if (kind === 'Mul' && isVariable(ctx, 0) && isVariable(ctx, 1)) return 'nonlinear';
      if (kind === 'Div' && isVariable(ctx, 1)) return 'nonlinear';
      return 'linear';
    },
    inferShapes: (ctx) => [outShapeOf(ctx)],
    // Broadcasting keeps the batch axis only where every varying operand has the output's rank.
    batchFirst: (ctx) => ctx.inputShapes.every((s, i) => !isVariable(ctx, i) || s?.length === outShapeOf(ctx).length),
    forward(ctx, inputs) {
      const [a, b] = inputs;
      if (!a || !b) throw opError(ctx, 'needs two operands');
      return [compute(kind, a, b, broadcastShapes(a.shape, b.shape, `node "${ctx.node.name}" (${kind}): `))];
    },
    reverse(ctx, [g]) {
      if (!g) return [undefined, undefined];
      return reverseBinary(kind, ctx, g);
    },
  };
}

export const addOp = binaryOp('Add');
export const subOp = binaryOp('Sub');
export const mulOp = binaryOp('Mul');
export const divOp = binaryOp('Div');

export const negOp: OpDef = {
  type: 'Neg',
  elementwise: true,
  kind: 'linear',
  inferShapes: (ctx) => [[...inputShape(ctx, 0)]],
  forward(_ctx, inputs) {
    const x = inputs[0] as Tensor;
    const y = allocData(x.dtype, x.data.length);
    for (let i = 0; i < y.length; i++) y[i] = -x.data[i];
    return [makeTensor(x.dtype, x.shape, y)];
  },
  reverse(_ctx, [g]) {
    if (!g) return [undefined];
    const out = new Float32Array(g.length);
    for (let i = 0; i < g.length; i++) out[i] = -g[i];
    return [out];
  },
};
