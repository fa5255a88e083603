import { elementwise } from './activation';

/** Tanh (ONNX Operators.md#Tanh); its surrogate is the tangent at 0, the identity. */
export const tanhOp = elementwise({
  type: 'Tanh',
  params: () => undefined,
  value: (x) => Math.tanh(x),
  derivative: (_x, y) => 1 - y * y,
  surrogate: { slope: 1 },
});
