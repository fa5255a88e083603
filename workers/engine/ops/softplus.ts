import { elementwise } from './activation';
import { sigmoid } from './sigmoid';

/** Softplus (ONNX Operators.md#Softplus): y = ln(1 + eˣ), computed without overflow; y' = sigmoid(x). */
export const softplusOp = elementwise({
  type: 'Softplus',
  params: () => undefined,
  value: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
  derivative: (x) => sigmoid(x),
  surrogate: { slope: 1 },
});
