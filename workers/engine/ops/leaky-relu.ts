import { attrNumber } from '../graph';
import { elementwise } from './activation';

/** LeakyRelu (ONNX Operators.md#LeakyRelu): y = x for x > 0, alpha·x otherwise; slope alpha at 0 as in PyTorch. */
export const leakyReluOp = elementwise({
  type: 'LeakyRelu',
  params: (ctx) => attrNumber(ctx.node, 'alpha', 0.01),
  value: (x, alpha) => (x > 0 ? x : alpha * x),
  derivative: (x, _y, alpha) => (x > 0 ? 1 : alpha),
  surrogate: { slope: 1 },
});
