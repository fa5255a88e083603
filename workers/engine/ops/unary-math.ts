import type { OpDef } from '../op';
import type { Tensor } from '../tensor';
import { allocData, inputShape, makeTensor, opError } from './op-args';

/**
 * Floor, Ceil, Abs, Reciprocal: needed mostly folded (normalisations, shape arithmetic).
 * On a signal they are nonlinear: Floor and Ceil are piecewise constant (zero gradient, as
 * autograd has it); Abs and Reciprocal are reversed with their derivative at the
 * reference input in every mode, having no linear counterpart.
 */
interface UnaryRule {
  readonly type: string;
  value(x: number): number;
  /** dy/dx at the reference x; absent: zero everywhere. */
  derivative?(x: number): number;
}

function unaryOp(rule: UnaryRule): OpDef {
  return {
    type: rule.type,
    elementwise: true,
    kind: 'nonlinear',
    inferShapes: (ctx) => [[...inputShape(ctx, 0)]],
    forward(_ctx, inputs) {
      const x = inputs[0] as Tensor;
      const y = allocData(x.dtype, x.data.length);
      for (let i = 0; i < y.length; i++) y[i] = rule.value(x.data[i]);
      return [makeTensor(x.dtype, x.shape, y)];
    },
    reverse(ctx, [g]) {
      if (!g || !rule.derivative) return [undefined];
      const x = ctx.reference?.inputs[0];
      if (!x) throw opError(ctx, `the ${ctx.mode} mode needs the forward values at a reference input`);
      const n = x.data.length;
      const slope = new Float64Array(n);
      for (let i = 0; i < n; i++) slope[i] = rule.derivative(x.data[i]);
      const out = new Float32Array(g.length);
      for (let s = 0; s < ctx.batch; s++) for (let i = 0; i < n; i++) out[s * n + i] = g[s * n + i] * slope[i];
      return [out];
    },
  };
}

export const floorOp = unaryOp({ type: 'Floor', value: Math.floor });
export const ceilOp = unaryOp({ type: 'Ceil', value: Math.ceil });
export const absOp = unaryOp({ type: 'Abs', value: Math.abs, derivative: (x) => Math.sign(x) });
export const reciprocalOp = unaryOp({ type: 'Reciprocal', value: (x) => 1 / x, derivative: (x) => -1 / (x * x) });
