import { attrNumber } from '../graph';
import { elementwise } from './activation';

/** Elu (ONNX Operators.md#Elu): y = x for x > 0, alpha·(eˣ − 1) otherwise; slope alpha at 0 as in PyTorch. */
export const eluOp = elementwise({
  type: 'Elu',
  params: (ctx) => attrNumber(ctx.node, 'alpha', 1),
  value: (x, alpha) => (x > 0 ? x : alpha * Math.expm1(x)),
  derivative: (x, _y, alpha) => (x > 0 ? 1 : alpha * Math.exp(x)),
  surrogate: { slope: 1 },
});
