import type { OpContext, OpDef } from '../op';
import type { Tensor } from '../tensor';
import { allocData, checkedShape, commonDType, makeTensor, opError, valueOf } from './op-args';

/** Range (ONNX Operators.md#Range): max(ceil((limit − start)/delta), 0) values start + i·delta; needs constant scalars. */
function scalars(ctx: OpContext, inputs?: readonly (Tensor | undefined)[]): { start: number; delta: number; count: number; values: Tensor[] } {
  const values = [0, 1, 2].map((i) => {
    const t = valueOf(ctx, i, inputs);
    if (!t) throw opError(ctx, 'start, limit and delta must be constant (the output length depends on them)');
    if (t.data.length !== 1) throw opError(ctx, `input ${i} must be a scalar, it has ${t.data.length} values`);
    return t;
  });
  const [start, limit, delta] = values.map((t) => t.data[0]);
  if (delta === 0 || !Number.isFinite(start) || !Number.isFinite(limit) || !Number.isFinite(delta)) {
    throw opError(ctx, `cannot count from ${start} to ${limit} by ${delta}`);
  }
  const count = Math.max(Math.ceil((limit - start) / delta), 0);
  checkedShape(ctx, [count], 'the output shape');
  return { start, delta, count, values };
}

/** Only ever folded: with an input that varies its very length would, so it has no reversal. */
export const rangeOp: OpDef = {
  type: 'Range',
  kind: 'nonlinear',
  inferShapes: (ctx) => [[scalars(ctx).count]],
  forward(ctx, inputs) {
    const { start, delta, count, values } = scalars(ctx, inputs);
    const dtype = commonDType(values);
    const y = allocData(dtype, count);
    for (let i = 0; i < count; i++) y[i] = start + i * delta;
    return [makeTensor(dtype, [count], y)];
  },
};
