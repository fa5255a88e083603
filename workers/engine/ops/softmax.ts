import { attrNumber, ModelError } from '../graph';
import type { OpContext, OpDef } from '../op';
import { floatTensor, sizeOf, type Tensor } from '../tensor';
import { requireReference } from './activation';

/**
 * The groups normalised together, as outer × length × inner blocks: from opset 13 one axis
 * (default −1); before, the input coerced to 2-D at `axis` (default 1), every trailing value one group.
 */
function groups(ctx: OpContext): { outer: number; length: number; inner: number } {
  const shape = ctx.inputShapes[0];
  if (!shape) throw new ModelError(`node "${ctx.node.name}" (${ctx.node.opType}): missing input`);
  const rank = shape.length;
  const given = attrNumber(ctx.node, 'axis', ctx.opset >= 13 ? -1 : 1);
  const axis = given < 0 ? given + rank : given;
  const valid = ctx.opset >= 13 ? axis >= 0 && axis < Math.max(rank, 1) : axis >= 0 && axis <= rank;
  if (!valid) throw new ModelError(`node "${ctx.node.name}" (${ctx.node.opType}): axis ${given} out of range for rank ${rank}`);
  if (ctx.opset < 13) return { outer: sizeOf(shape.slice(0, axis)), length: sizeOf(shape.slice(axis)), inner: 1 };
  return { outer: sizeOf(shape.slice(0, axis)), length: rank === 0 ? 1 : shape[axis], inner: sizeOf(shape.slice(axis + 1)) };
}

function softmaxFamily(type: 'Softmax' | 'LogSoftmax'): OpDef {
  const log = type === 'LogSoftmax';
  return {
    type,
    kind: 'nonlinear',
    inferShapes(ctx) {
      groups(ctx);
      return [[...ctx.inputShapes[0]!]];
    },
    forward(ctx, inputs) {
      const x = (inputs[0] as Tensor).data;
      const { outer, length, inner } = groups(ctx);
      const y = new Float32Array(x.length);
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < inner; j++) {
          const base = o * length * inner + j;
          let max = -Infinity;
          for (let k = 0; k < length; k++) max = Math.max(max, x[base + k * inner]);
          let sum = 0;
          for (let k = 0; k < length; k++) sum += Math.exp(x[base + k * inner] - max);
          const logSum = Math.log(sum);
          for (let k = 0; k < length; k++) {
            const shifted = x[base + k * inner] - max;
            y[base + k * inner] = log ? shifted - logSum : Math.exp(shifted) / sum;
          }
        }
      }
      return [floatTensor(ctx.inputShapes[0]!, y)];
    },
    // Softmax: gx = y ⊙ (g − Σₖ gₖyₖ); LogSoftmax: gx = g − softmax(x)·Σₖ gₖ. Every mode uses the
    // Jacobian at the reference: the op has no linear counterpart (the surrogate linearises it).
    reverse(ctx, [gy]) {
      if (!gy) return [undefined];
      const y0 = requireReference(ctx).outputs[0].data;
      const { outer, length, inner } = groups(ctx);
      const n = y0.length;
      const p = log ? Float64Array.from(y0, Math.exp) : y0;
      const gx = new Float32Array(gy.length);
      for (let s = 0; s < ctx.batch; s++) {
        const off = s * n;
        for (let o = 0; o < outer; o++) {
          for (let j = 0; j < inner; j++) {
            const base = o * length * inner + j;
            let dot = 0;
            for (let k = 0; k < length; k++) {
              const i = base + k * inner;
              dot += log ? gy[off + i] : gy[off + i] * p[i];
            }
            for (let k = 0; k < length; k++) {
              const i = base + k * inner;
              gx[off + i] = log ? gy[off + i] - p[i] * dot : p[i] * (gy[off + i] - dot);
            }
          }
        }
      }
      return [gx];
    },
  };
}

export const softmaxOp = softmaxFamily('Softmax');
export const logSoftmaxOp = softmaxFamily('LogSoftmax');
