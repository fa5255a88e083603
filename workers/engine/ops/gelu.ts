import { attrString, ModelError } from '../graph';
import { elementwise } from './activation';
import { erf } from './erf';

const SQRT_HALF = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const KAPPA = 0.044715;

/**
 * Gelu (ONNX Operators.md#Gelu, opset 20; also what fuse.ts makes of the decompositions
 * exporters emit): y = x·Φ(x), or with approximate = "tanh" ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
 * Derivatives as PyTorch's GeluBackward.
 */
export const geluOp = elementwise({
  type: 'Gelu',
  params(ctx) {
    const approximate = attrString(ctx.node, 'approximate', 'none');
    if (approximate !== 'none' && approximate !== 'tanh') {
      throw new ModelError(`node "${ctx.node.name}" (Gelu): approximate must be "none" or "tanh", got "${approximate}"`);
    }
    return approximate === 'tanh';
  },
  value(x, tanh) {
    if (tanh) return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + KAPPA * x * x * x)));
    return 0.5 * x * (1 + erf(x * SQRT_HALF));
  },
  derivative(x, _y, tanh) {
    if (tanh) {
      const t = Math.tanh(SQRT_2_OVER_PI * (x + KAPPA * x * x * x));
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * KAPPA * x * x);
    }
    return 0.5 * (1 + erf(x * SQRT_HALF)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
  },
  surrogate: { slope: 1 },
});
