import { attrNumber, attrNumbers, ModelError } from '../graph';
import type { OpContext, OpDef } from '../op';
import { sizeOf, toNumbers, type Shape, type Tensor } from '../tensor';

/**
 * Ops that only relabel the dimensions of their first input (C order unchanged):
 * forward and reversal are both the identity on the data.
 */
function relabel(type: string, outShape: (ctx: OpContext) => number[]): OpDef {
  return {
    type,
    kind: 'reshape',
    inferShapes(ctx) {
      const shape = outShape(ctx);
      const extra = ctx.node.outputs.length > 1 ? [ctx.inputShapes[0] ?? []] : [];
      return [shape, ...extra.slice(0, ctx.node.outputs.length - 1)];
    },
    forward(ctx, inputs) {
      const x = inputs[0] as Tensor;
      const y: Tensor = { dtype: x.dtype, shape: outShape(ctx), data: x.data };
      if (ctx.node.outputs.length > 1) {
        // Dropout's mask: all true in inference.
        return [y, { dtype: 'bool', shape: [...x.shape], data: new Float64Array(x.data.length).fill(1) }];
      }
      return [y];
    },
    reverse: (_ctx, [g]) => [g],
  };
}

function inShape(ctx: OpContext): Shape {
  const s = ctx.inputShapes[0];
  if (!s) throw new ModelError(`node "${ctx.node.name}" (${ctx.node.opType}): missing input`);
  return s;
}

function normAxis(axis: number, rank: number, ctx: OpContext): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new ModelError(`node "${ctx.node.name}" (${ctx.node.opType}): axis ${axis} out of range for rank ${rank}`);
  return a;
}

/** Axes from the attribute (opset < 13) or the second input (opset >= 13). */
function axesOf(ctx: OpContext): number[] | undefined {
  if (ctx.node.inputs.length > 1 && ctx.node.inputs[1] !== '') {
    const t = ctx.constants[1];
    if (!t) throw new ModelError(`node "${ctx.node.name}" (${ctx.node.opType}): axes must be constant`);
    return toNumbers(t);
  }
  return attrNumbers(ctx.node, 'axes', undefined);
}

export const identityOp = relabel('Identity', (ctx) => [...inShape(ctx)]);
export const dropoutOp = relabel('Dropout', (ctx) => [...inShape(ctx)]);

export const flattenOp = relabel('Flatten', (ctx) => {
  const s = inShape(ctx);
  const axis = attrNumber(ctx.node, 'axis', 1);
  const a = axis < 0 ? axis + s.length : axis;
  if (a < 0 || a > s.length) throw new ModelError(`node "${ctx.node.name}" (Flatten): axis ${axis} out of range for rank ${s.length}`);
  return [sizeOf(s.slice(0, a)), sizeOf(s.slice(a))];
});

export const reshapeOp = relabel('Reshape', (ctx) => {
  const s = inShape(ctx);
  const t = ctx.constants[1];
  const target = t ? toNumbers(t) : attrNumbers(ctx.node, 'shape', undefined);
  if (!target) throw new ModelError(`node "${ctx.node.name}" (Reshape): the target shape must be constant`);
  const allowZero = attrNumber(ctx.node, 'allowzero', 0) !== 0;
  const out = target.map((d, i) => (d === 0 && !allowZero ? s[i] : d));
  const known = out.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
  const total = sizeOf(s);
  const free = out.indexOf(-1);
  if (free >= 0) {
    if (out.indexOf(-1, free + 1) >= 0) throw new ModelError(`node "${ctx.node.name}" (Reshape): more than one -1 in [${target.join(',')}]`);
    if (known === 0 || total % known !== 0) throw new ModelError(`node "${ctx.node.name}" (Reshape): cannot reshape [${s.join(',')}] to [${target.join(',')}]`);
    out[free] = total / known;
  } else if (known !== total) {
    throw new ModelError(`node "${ctx.node.name}" (Reshape): cannot reshape [${s.join(',')}] (${total} values) to [${target.join(',')}]`);
  }
  return out;
});

export const squeezeOp = relabel('Squeeze', (ctx) => {
  const s = inShape(ctx);
  const axes = axesOf(ctx);
  if (!axes) return s.filter((d) => d !== 1);
  const drop = new Set(axes.map((a) => normAxis(a, s.length, ctx)));
  for (const a of drop) if (s[a] !== 1) throw new ModelError(`node "${ctx.node.name}" (Squeeze): axis ${a} has size ${s[a]}, not 1`);
  return s.filter((_, i) => !drop.has(i));
});

export const unsqueezeOp = relabel('Unsqueeze', (ctx) => {
  const s = inShape(ctx);
  const axes = axesOf(ctx);
  if (!axes) throw new ModelError(`node "${ctx.node.name}" (Unsqueeze): axes missing`);
  const rank = s.length + axes.length;
  const add = new Set(axes.map((a) => normAxis(a, rank, ctx)));
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) out.push(add.has(i) ? 1 : s[j++]);
  return out;
});
