import { ModelError, type AttrValue } from '../../engine/graph';
import { kt, type KTensor } from './builder';
import { isObject, type Json } from './json';
import type { LayerContext } from './layer-context';

/** The name of an activation, from a string or a serialized function object. */
function activationName(spec: Json | undefined): string {
  if (spec === undefined || spec === null) return 'linear';
  if (typeof spec === 'string') return spec;
  if (isObject(spec)) {
    if (typeof spec.config === 'string') return spec.config;
    if (typeof spec.class_name === 'string') return spec.class_name;
  }
  throw new ModelError(`activation ${JSON.stringify(spec).slice(0, 80)} is not understood`);
}

/** Runs an elementwise op on whichever copy of the tensor exists, the channels-first one first. */
export function elementwise(ctx: LayerContext, t: KTensor, opType: string, attrs: Record<string, AttrValue>, extraInputs: readonly string[] = [], base = `${ctx.name}/${opType.toLowerCase()}`): KTensor {
  const { b } = ctx;
  if (t.nchw && !t.channelsFirst) return kt(t.shape, { nchw: b.node(opType, [t.nchw, ...extraInputs], attrs, base) });
  const name = t.keras ?? t.nchw!;
  return kt(t.shape, { keras: b.node(opType, [name, ...extraInputs], attrs, base) }, t.channelsFirst);
}

/** Softmax over the Keras axis `axis` (default last), in whichever layout the tensor is. */
export function softmaxOver(ctx: LayerContext, t: KTensor, axis: number): KTensor {
  const rank = t.shape.length;
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new ModelError(`${ctx.cfg.where}: softmax axis ${axis} is out of range for rank ${rank}`);
  if (t.nchw && !t.channelsFirst && a === rank - 1) return kt(t.shape, { nchw: ctx.b.node('Softmax', [t.nchw], { axis: 1 }, `${ctx.name}/softmax`) });
  const name = ctx.b.asKeras(t, ctx.name);
  return kt(t.shape, { keras: ctx.b.node('Softmax', [name], { axis: a }, `${ctx.name}/softmax`) }, t.channelsFirst);
}

/** Clip to [min, max] (opset 13: bounds as inputs). */
export function clip(ctx: LayerContext, t: KTensor, min: number, max: number): KTensor {
  const lo = ctx.b.scalar(`${ctx.name}/clip_min`, min);
  const hi = ctx.b.scalar(`${ctx.name}/clip_max`, max);
  return elementwise(ctx, t, 'Clip', {}, [lo, hi]);
}

/**
 * Applies a Keras activation (string name, as in `Dense(activation=…)` or `Activation(…)`).
 * Constants follow Keras: hard_sigmoid is 0.2x+0.5 in Keras 2 and TF.js, relu6(x+3)/6 in Keras 3.
 */
export function applyActivation(ctx: LayerContext, t: KTensor, spec: Json | undefined): KTensor {
  const name = activationName(spec);
  switch (name) {
    case 'linear':
    case 'identity':
      return t;
    case 'relu':
      return elementwise(ctx, t, 'Relu', {});
    case 'relu6':
      return clip(ctx, t, 0, 6);
    case 'sigmoid':
      return elementwise(ctx, t, 'Sigmoid', {});
    case 'tanh':
      return elementwise(ctx, t, 'Tanh', {});
    case 'softmax':
      return softmaxOver(ctx, t, -1);
    case 'elu':
      return elementwise(ctx, t, 'Elu', { alpha: 1 });
    case 'selu':
      return elementwise(ctx, t, 'Selu', {});
    case 'softplus':
      return elementwise(ctx, t, 'Softplus', {});
    case 'hard_sigmoid':
      return elementwise(ctx, t, 'HardSigmoid', ctx.kerasMajor >= 3 ? { alpha: 1 / 6, beta: 0.5 } : { alpha: 0.2, beta: 0.5 });
    case 'leaky_relu':
      return elementwise(ctx, t, 'LeakyRelu', { alpha: 0.2 });
    case 'gelu':
      return elementwise(ctx, t, 'Gelu', { approximate: 'none' });
    case 'swish':
    case 'silu': {
      const gate = elementwise(ctx, t, 'Sigmoid', {});
      const x = gate.nchw && !gate.channelsFirst ? ctx.b.asNchw(t, ctx.name) : ctx.b.asKeras(t, ctx.name);
      return elementwise(ctx, gate, 'Mul', {}, [x], `${ctx.name}/swish`);
    }
    case 'hard_swish':
    case 'hard_silu':
      return elementwise(ctx, t, 'HardSwish', {});
    default:
      throw new ModelError(`${ctx.cfg.where}: activation "${name}" is not supported`);
  }
}
