import { elementwise } from './activation';

/**
 * HardSwish (ONNX Operators.md#HardSwish): y = x · max(0, min(1, x/6 + ½)).
 * Derivative as PyTorch's vectorised hardswish_backward: 0 below −3, x/3 + ½ on [−3, 3), 1 from 3 on
 * (PyTorch's scalar tail loop gives 1.5 at exactly 3; the vectorised kernel, which handles
 * nearly every element, gives 1).
 */
export const hardSwishOp = elementwise({
  type: 'HardSwish',
  params: () => undefined,
  value: (x) => x * Math.max(0, Math.min(1, x / 6 + 0.5)),
  derivative: (x) => (x < -3 ? 0 : x < 3 ? x / 3 + 0.5 : 1),
  surrogate: { slope: 1 },
});
