import { elementwise } from './activation';

export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** Sigmoid (ONNX Operators.md#Sigmoid): y = 1 / (1 + e⁻ˣ); its surrogate is the tangent at 0, slope ¼. */
export const sigmoidOp = elementwise({
  type: 'Sigmoid',
  params: () => undefined,
  value: (x) => sigmoid(x),
  derivative: (_x, y) => y * (1 - y),
  surrogate: { slope: 0.25 },
});
