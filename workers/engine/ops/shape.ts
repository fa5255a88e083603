import { attrNumber } from '../graph';
import type { OpContext, OpDef } from '../op';
import { intTensor, sizeOf, type Tensor } from '../tensor';
import { inputShape } from './op-args';

/**
 * Shape and Size: their outputs depend only on the input's shape, so they always fold to
 * constants (kind 'shape'), and so do the shape computations exporters build on them.
 */
function dims(ctx: OpContext, inputs?: readonly (Tensor | undefined)[]): number[] {
  const shape = inputs?.[0]?.shape ?? inputShape(ctx, 0);
  const rank = shape.length;
  // Opset 15: start/end select a range of axes, negative from the end, clamped.
  const bound = (v: number): number => Math.min(rank, Math.max(0, v < 0 ? v + rank : v));
  const start = bound(attrNumber(ctx.node, 'start', 0));
  const end = bound(attrNumber(ctx.node, 'end', rank));
  return shape.slice(start, Math.max(start, end));
}

export const shapeOp: OpDef = {
  type: 'Shape',
  kind: 'shape',
  inferShapes: (ctx) => [[dims(ctx).length]],
  forward(ctx, inputs) {
    const d = dims(ctx, inputs);
    return [intTensor([d.length], d)];
  },
};

export const sizeOp: OpDef = {
  type: 'Size',
  kind: 'shape',
  inferShapes: () => [[]],
  forward: (ctx, inputs) => [intTensor([], [sizeOf(inputs[0]?.shape ?? inputShape(ctx, 0))])],
};
