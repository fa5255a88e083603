import { attrNumber } from '../graph';
import { elementwise } from './activation';

/** Selu (ONNX Operators.md#Selu): y = gamma·x for x > 0, gamma·alpha·(eˣ − 1) otherwise. */
export const seluOp = elementwise({
  type: 'Selu',
  params: (ctx) => ({
    alpha: attrNumber(ctx.node, 'alpha', 1.67326319217681884765625),
    gamma: attrNumber(ctx.node, 'gamma', 1.05070102214813232421875),
  }),
  value: (x, { alpha, gamma }) => gamma * (x > 0 ? x : alpha * Math.expm1(x)),
  derivative: (x, _y, { alpha, gamma }) => gamma * (x > 0 ? 1 : alpha * Math.exp(x)),
  surrogate: { slope: 1 },
});
