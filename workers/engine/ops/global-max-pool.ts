import type { OpDef } from '../op';
import type { Tensor } from '../tensor';
import { fail } from './conv-geometry';
import { globalAverageReverse, globalPlan, type GlobalPlan } from './global-average-pool';
import { referenceInput } from './max-pool';

/**
 * GlobalMaxPool (ONNX Operators.md#GlobalMaxPool): the largest element of each N×C plane.
 * Nonlinear; its surrogate is the global average, the other modes route to the argmax.
 */
function argmaxOfPlanes(p: GlobalPlan, x: ArrayLike<number>): Int32Array {
  const arg = new Int32Array(p.planes);
  for (let q = 0; q < p.planes; q++) {
    const start = q * p.plane;
    let best = x[start];
    let at = 0;
    for (let i = 1; i < p.plane; i++) {
      const v = x[start + i];
      // First maximum wins; a NaN wins as in PyTorch.
      if (v > best || (v !== v && best === best)) {
        best = v;
        at = i;
      }
    }
    arg[q] = at;
  }
  return arg;
}

export const globalMaxPoolOp: OpDef = {
  type: 'GlobalMaxPool',
  kind: 'nonlinear',
  // The surrogate is the global average pool.
  linearisedInSurrogate: () => false,
  inferShapes: (ctx) => [globalPlan(ctx).outShape],
  forward(ctx, inputs) {
    const p = globalPlan(ctx);
    const x = inputs[0] as Tensor;
    const arg = argmaxOfPlanes(p, x.data);
    const y = x.data instanceof Float32Array ? new Float32Array(p.planes) : new Float64Array(p.planes);
    for (let q = 0; q < p.planes; q++) y[q] = x.data[q * p.plane + arg[q]];
    return [{ dtype: x.dtype, shape: p.outShape, data: y }];
  },
  reverse(ctx, [gy]) {
    if (!gy) return [undefined];
    if (ctx.mode === 'exact') fail(ctx, 'GlobalMaxPool is not linear; the exact mode cannot reverse it');
    const p = globalPlan(ctx);
    if (ctx.mode === 'surrogate') return [globalAverageReverse(p, ctx.batch, gy)];
    const arg = argmaxOfPlanes(p, referenceInput(ctx));
    const gx = new Float32Array(ctx.batch * p.planes * p.plane);
    for (let s = 0; s < ctx.batch; s++) {
      for (let q = 0; q < p.planes; q++) gx[(s * p.planes + q) * p.plane + arg[q]] = gy[s * p.planes + q];
    }
    return [gx];
  },
};
