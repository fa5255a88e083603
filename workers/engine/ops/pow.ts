import { ModelError } from '../graph';
import type { OpContext, OpDef, ReverseContext } from '../op';
import { isFloat, sizeOf, tensorLike, type Tensor } from '../tensor';
import { requireReference } from './activation';
import { broadcastInto, broadcastShapes, unbroadcast } from './broadcast-util';

function outShape(ctx: OpContext): number[] {
  const [a, b] = ctx.inputShapes;
  if (!a || !b) throw new ModelError(`node "${ctx.node.name}" (Pow): needs a base and an exponent`);
  return broadcastShapes(a, b, `node "${ctx.node.name}" (Pow): `);
}

function valueAt(ctx: ReverseContext, i: number): Tensor {
  const t = ctx.constants[i] ?? requireReference(ctx).inputs[i];
  if (!t) throw new ModelError(`node "${ctx.node.name}" (Pow): no value for input ${i}`);
  return t;
}

/**
 * Pow (ONNX Operators.md#Pow), base and exponent broadcast together; the output has the
 * base's type. Derivatives as PyTorch's pow_backward: ∂/∂x = y·x^(y−1) (0 where y = 0),
 * ∂/∂y = x^y·ln x (0 where x = 0 and y ≥ 0). No linear counterpart: the surrogate
 * linearises it at the reference.
 */
export const powOp: OpDef = {
  type: 'Pow',
  kind: 'nonlinear',
  inferShapes: (ctx) => [outShape(ctx)],
  forward(ctx, inputs) {
    const [x, e] = inputs as Tensor[];
    const shape = outShape(ctx);
    const xb = broadcastInto(x, shape);
    const eb = broadcastInto(e, shape);
    const out = isFloat(x) ? new Float32Array(sizeOf(shape)) : new Float64Array(sizeOf(shape));
    for (let i = 0; i < out.length; i++) out[i] = Math.pow(xb[i], eb[i]);
    if (!isFloat(x)) for (let i = 0; i < out.length; i++) out[i] = Math.trunc(out[i]);
    return [tensorLike(x, shape, out)];
  },
  reverse(ctx, [g]) {
    if (!g) return [undefined, undefined];
    const shape = ctx.outputShapes[0];
    const n = sizeOf(shape);
    const x = broadcastInto(valueAt(ctx, 0), shape);
    const e = broadcastInto(valueAt(ctx, 1), shape);
    const grads: (Float32Array | undefined)[] = [undefined, undefined];
    for (const input of [0, 1]) {
      if (ctx.constants[input]) continue;
      const d = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        if (input === 0) d[i] = e[i] === 0 ? 0 : e[i] * Math.pow(x[i], e[i] - 1);
        else d[i] = x[i] === 0 && e[i] >= 0 ? 0 : Math.pow(x[i], e[i]) * Math.log(x[i]);
      }
      const full = new Float32Array(ctx.batch * n);
      for (let s = 0; s < ctx.batch; s++) for (let i = 0; i < n; i++) full[s * n + i] = g[s * n + i] * d[i];
      grads[input] = unbroadcast(full, ctx.batch, shape, ctx.inputShapes[input]!);
    }
    return grads;
  },
};
