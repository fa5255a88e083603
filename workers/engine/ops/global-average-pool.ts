import type { OpContext, OpDef } from '../op';
import { floatTensor, formatShape, sizeOf, type Shape } from '../tensor';
import { floatData } from './conv-common';
import { fail } from './conv-geometry';

/** GlobalAveragePool (ONNX Operators.md#GlobalAveragePool): the mean of each N×C plane. Linear. */
export interface GlobalPlan {
  readonly planes: number;
  /** Values per plane. */
  readonly plane: number;
  readonly outShape: number[];
}

export function globalPlan(ctx: OpContext): GlobalPlan {
  const s: Shape | undefined = ctx.inputShapes[0];
  if (!s || s.length < 2) fail(ctx, `input X has shape ${s ? formatShape(s) : 'nothing'}; expected N×C×D1…`);
  const plane = sizeOf(s.slice(2));
  if (plane === 0) fail(ctx, `input X has shape ${formatShape(s)}: no element to pool`);
  return { planes: s[0] * s[1], plane, outShape: [s[0], s[1], ...s.slice(2).map(() => 1)] };
}

export function globalAverageReverse(p: GlobalPlan, seeds: number, gy: Float32Array): Float32Array {
  const planes = seeds * p.planes;
  const gx = new Float32Array(planes * p.plane);
  const w = 1 / p.plane;
  for (let q = 0; q < planes; q++) gx.fill(gy[q] * w, q * p.plane, (q + 1) * p.plane);
  return gx;
}

export const globalAveragePoolOp: OpDef = {
  type: 'GlobalAveragePool',
  kind: 'linear',
  inferShapes: (ctx) => [globalPlan(ctx).outShape],
  batchFirst: () => true,
  forward(ctx, inputs) {
    const p = globalPlan(ctx);
    const x = floatData(ctx, inputs[0], 'X');
    const y = new Float32Array(p.planes);
    for (let q = 0; q < p.planes; q++) {
      let sum = 0;
      const end = (q + 1) * p.plane;
      for (let i = q * p.plane; i < end; i++) sum += x[i];
      y[q] = sum / p.plane;
    }
    return [floatTensor(p.outShape, y)];
  },
  reverse(ctx, [gy]) {
    if (!gy) return [undefined];
    return [globalAverageReverse(globalPlan(ctx), ctx.batch, gy)];
  },
};
