import { elementwise } from './activation';

/** Sqrt (ONNX Operators.md#Sqrt): y' = 1/(2y), infinite at 0 as in PyTorch. No linear counterpart: the surrogate linearises it at the reference. */
export const sqrtOp = elementwise({
  type: 'Sqrt',
  params: () => undefined,
  value: (x) => Math.sqrt(x),
  derivative: (_x, y) => 1 / (2 * y),
  surrogate: 'linearise',
});
