import { attrNumber } from '../graph';
import { elementwise } from './activation';

/**
 * HardSigmoid (ONNX Operators.md#HardSigmoid): y = max(0, min(1, alpha·x + beta)).
 * Slope alpha strictly inside (0, 1), 0 at the kinks (PyTorch's hardsigmoid); the surrogate is the line alpha·x + beta.
 */
export const hardSigmoidOp = elementwise({
  type: 'HardSigmoid',
  params: (ctx) => ({ alpha: attrNumber(ctx.node, 'alpha', 0.2), beta: attrNumber(ctx.node, 'beta', 0.5) }),
  value: (x, { alpha, beta }) => Math.max(0, Math.min(1, alpha * x + beta)),
  derivative: (x, _y, { alpha, beta }) => {
    const v = alpha * x + beta;
    return v > 0 && v < 1 ? alpha : 0;
  },
  surrogate: { slope: ({ alpha }) => alpha },
});
