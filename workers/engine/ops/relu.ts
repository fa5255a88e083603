import { elementwise } from './activation';

/** Relu (ONNX Operators.md#Relu): y = max(0, x); relu'(0) = 0 as in PyTorch. */
export const reluOp = elementwise({
  type: 'Relu',
  params: () => undefined,
  value: (x) => (x > 0 ? x : 0),
  derivative: (x) => (x > 0 ? 1 : 0),
  surrogate: { slope: 1 },
  captumRelu: true,
  applyFloats(x, y) {
    for (let i = 0; i < x.length; i++) y[i] = x[i] > 0 ? x[i] : 0;
  },
});
