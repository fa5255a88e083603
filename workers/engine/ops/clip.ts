import { attrNumber, ModelError } from '../graph';
import type { OpContext } from '../op';
import { clampFloats } from '../kernels/clamp';
import { elementwise } from './activation';

/** The bounds: attributes before opset 11, optional constant inputs from 11 on; absent bounds are infinite. */
export function clipBounds(ctx: OpContext): { min: number; max: number } {
  if (ctx.opset < 11) return { min: attrNumber(ctx.node, 'min', -Infinity), max: attrNumber(ctx.node, 'max', Infinity) };
  const bound = (i: number, fallback: number): number => {
    const name = ctx.node.inputs[i];
    if (name === undefined || name === '') return fallback;
    const t = ctx.constants[i];
    if (!t || t.data.length !== 1) throw new ModelError(`node "${ctx.node.name}" (Clip): the ${i === 1 ? 'min' : 'max'} bound must be a constant scalar`);
    return t.data[0];
  };
  return { min: bound(1, -Infinity), max: bound(2, Infinity) };
}

/**
 * Clip (ONNX Operators.md#Clip), ReLU6 as exporters write it. Slope 1 strictly between the
 * bounds and 0 at them, as PyTorch's hardtanh (ReLU6) has it (torch.clamp would pass the
 * gradient at the bounds; only inputs exactly at a bound differ).
 */
export const clipOp = elementwise({
  type: 'Clip',
  params: clipBounds,
  value: (x, { min, max }) => Math.min(max, Math.max(min, x)),
  derivative: (x, _y, { min, max }) => (x > min && x < max ? 1 : 0),
  surrogate: { slope: 1 },
  applyFloats: (x, y, bounds) => clampFloats(x, y, bounds),
});
