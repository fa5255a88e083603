import type { OpContext, OpDef, ReverseContext } from '../op';
import { sizeOf, type Shape, type Tensor } from '../tensor';
import { broadcastAll, expandValues, unbroadcast, unbroadcastScaled } from './broadcast-util';
import { allocData, commonDType, inputShape, isVariable, makeTensor, opError, requireInputs } from './op-args';

/**
 * The n-ary elementwise ops with broadcasting (ONNX Operators.md#Sum): Sum and Mean are
 * linear; Max and Min of signals are reversed at the reference input, the gradient going
 * to the operand that wins there (split evenly between ties), as autograd does.
 */
type Nary = 'Sum' | 'Mean' | 'Max' | 'Min';

function outShapeOf(ctx: OpContext): number[] {
  const shapes = ctx.node.inputs.map((_, i) => inputShape(ctx, i));
  if (shapes.length === 0) throw opError(ctx, 'needs at least one input');
  return broadcastAll(shapes, `node "${ctx.node.name}" (${ctx.node.opType}): `);
}

function compute(kind: Nary, xs: readonly Tensor[], outShape: Shape): Tensor {
  const dtype = commonDType(xs);
  const n = sizeOf(outShape);
  const acc = new Float64Array(n);
  acc.set(expandValues(xs[0], outShape));
  for (let k = 1; k < xs.length; k++) {
    const v = expandValues(xs[k], outShape);
    if (kind === 'Max') for (let i = 0; i < n; i++) acc[i] = v[i] > acc[i] || Number.isNaN(v[i]) ? v[i] : acc[i];
    else if (kind === 'Min') for (let i = 0; i < n; i++) acc[i] = v[i] < acc[i] || Number.isNaN(v[i]) ? v[i] : acc[i];
    else for (let i = 0; i < n; i++) acc[i] += v[i];
  }
  const y = allocData(dtype, n);
  if (kind === 'Mean') {
    const integer = dtype !== 'float32';
    for (let i = 0; i < n; i++) y[i] = integer ? Math.trunc(acc[i] / xs.length) : acc[i] / xs.length;
  } else {
    y.set(acc);
  }
  return makeTensor(dtype, outShape, y);
}

function reverseExtremum(ctx: ReverseContext, g: Float32Array): (Float32Array | undefined)[] {
  const outShape = ctx.outputShapes[0];
  const n = sizeOf(outShape);
  const values = ctx.node.inputs.map((_, k) => {
    const t = ctx.constants[k] ?? ctx.reference?.inputs[k];
    if (!t) throw opError(ctx, 'the operands vary; this mode needs a reference input');
    return expandValues(t, outShape);
  });
  const best = Float64Array.from(values[0]);
  const max = ctx.node.opType === 'Max';
  for (const v of values.slice(1)) for (let i = 0; i < n; i++) if (max ? v[i] > best[i] : v[i] < best[i]) best[i] = v[i];
  const ties = new Float64Array(n);
  for (const v of values) for (let i = 0; i < n; i++) if (v[i] === best[i]) ties[i]++;
  return values.map((v, k) => {
    if (!isVariable(ctx, k)) return undefined;
    const share = new Float64Array(n);
    for (let i = 0; i < n; i++) share[i] = v[i] === best[i] ? 1 / ties[i] : 0;
    return unbroadcastScaled(g, ctx.batch, share, outShape, inputShape(ctx, k));
  });
}

function naryOp(kind: Nary): OpDef {
  const linear = kind === 'Sum' || kind === 'Mean';
  return {
    type: kind,
    kind: linear ? 'linear' : 'nonlinear',
    inferShapes: (ctx) => [outShapeOf(ctx)],
    forward(ctx, inputs) {
      const xs = requireInputs(ctx, inputs, ctx.node.inputs.length);
      if (xs.length === 0) throw opError(ctx, 'needs at least one input');
      return [compute(kind, xs, broadcastAll(xs.map((x) => x.shape), `node "${ctx.node.name}" (${kind}): `))];
    },
    reverse(ctx, [g]) {
      if (!g) return ctx.node.inputs.map(() => undefined);
      if (!linear) return reverseExtremum(ctx, g);
      const outShape = ctx.outputShapes[0];
      const scale = kind === 'Mean' ? 1 / ctx.node.inputs.length : 1;
      return ctx.node.inputs.map((_, k) => {
        if (!isVariable(ctx, k)) return undefined;
        if (scale === 1) return unbroadcast(g, ctx.batch, outShape, inputShape(ctx, k));
        return unbroadcastScaled(g, ctx.batch, new Float64Array(sizeOf(outShape)).fill(scale), outShape, inputShape(ctx, k));
      });
    },
  };
}

export const sumOp = naryOp('Sum');
export const meanOp = naryOp('Mean');
export const maxOp = naryOp('Max');
export const minOp = naryOp('Min');
