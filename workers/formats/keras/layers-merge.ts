import { kt, type KerasShape, type KTensor } from './builder';
import { fmtShape, type LayerContext, type LayerTranslator } from './layer-context';

/** The inputs' names in one common layout: channels-first when every input has that copy. */
function common(ctx: LayerContext): { names: string[]; channelsFirstLayout: boolean } {
  const { inputs, b } = ctx;
  if (inputs.length < 1) ctx.cfg.fail('has no inputs');
  const rank = inputs[0].shape.length;
  if (inputs.some((t) => t.shape.length !== rank)) ctx.cfg.fail(`inputs have different ranks: ${inputs.map((t) => fmtShape(t.shape)).join(', ')}`);
  const anyChannelsFirst = inputs.some((t) => t.channelsFirst && rank >= 3);
  if (rank >= 3 && !anyChannelsFirst && inputs.every((t) => t.nchw)) return { names: inputs.map((t) => t.nchw!), channelsFirstLayout: true };
  return { names: inputs.map((t) => b.asKeras(t, ctx.name)), channelsFirstLayout: false };
}

function result(ctx: LayerContext, shape: KerasShape, name: string, channelsFirstLayout: boolean): KTensor {
  const cf = ctx.inputs.some((t) => t.channelsFirst && shape.length >= 3);
  if (cf) return kt(shape, { keras: name }, true);
  return kt(shape, channelsFirstLayout ? { nchw: name } : { keras: name });
}

function sameShape(ctx: LayerContext): KerasShape {
  const shapes = ctx.inputs.map((t) => t.shape);
  const out = shapes[0].map((d, i) => shapes.map((s) => s[i]).find((x) => x !== null) ?? d);
  for (const s of shapes) {
    if (s.some((d, i) => d !== null && out[i] !== null && d !== out[i] && d !== 1)) ctx.cfg.fail(`inputs have different shapes: ${shapes.map(fmtShape).join(', ')}`);
  }
  return out;
}

function chain(opType: string): LayerTranslator {
  return (ctx) => {
    const shape = sameShape(ctx);
    const { names, channelsFirstLayout } = common(ctx);
    let y = names[0];
    for (let i = 1; i < names.length; i++) y = ctx.b.node(opType, [y, names[i]], {}, `${ctx.name}/${opType.toLowerCase()}`);
    if (names.length === 1) y = ctx.b.node('Identity', [y], {}, `${ctx.name}/identity`);
    return result(ctx, shape, y, channelsFirstLayout);
  };
}

export const add = chain('Add');
export const multiply = chain('Mul');
export const maximum = chain('Max');
export const minimum = chain('Min');

export const subtract: LayerTranslator = (ctx) => {
  if (ctx.inputs.length !== 2) ctx.cfg.fail(`Subtract needs exactly two inputs, got ${ctx.inputs.length}`);
  const shape = sameShape(ctx);
  const { names, channelsFirstLayout } = common(ctx);
  return result(ctx, shape, ctx.b.node('Sub', names, {}, `${ctx.name}/sub`), channelsFirstLayout);
};

export const average: LayerTranslator = (ctx) => {
  const sum = add(ctx);
  const n = ctx.inputs.length;
  const factor = ctx.b.scalar(`${ctx.name}/one_over_n`, 1 / n);
  const name = sum.nchw && !sum.channelsFirst ? sum.nchw : sum.keras!;
  const y = ctx.b.node('Mul', [name, factor], {}, `${ctx.name}/mean`);
  return sum.nchw && !sum.channelsFirst ? kt(sum.shape, { nchw: y }) : kt(sum.shape, { keras: y }, sum.channelsFirst);
};

/** Concatenate along a Keras axis; on channels-first copies the channel axis becomes 1. */
export const concatenate: LayerTranslator = (ctx) => {
  const { inputs } = ctx;
  const rank = inputs[0]?.shape.length ?? 0;
  const raw = ctx.cfg.number('axis', -1);
  const axis = raw < 0 ? raw + rank : raw;
  if (!Number.isInteger(axis) || axis < 1 || axis >= rank) ctx.cfg.fail(`axis ${raw} is out of range for rank ${rank}`);
  const shape = inputs[0].shape.map((d, i) => {
    if (i === axis) return inputs.some((t) => t.shape[i] === null) ? null : inputs.reduce((a, t) => a + (t.shape[i] as number), 0);
    return inputs.map((t) => t.shape[i]).find((x) => x !== null) ?? d;
  });
  const { names, channelsFirstLayout } = common(ctx);
  const onnxAxis = channelsFirstLayout ? (axis === rank - 1 ? 1 : axis + 1) : axis;
  return result(ctx, shape, ctx.b.node('Concat', names, { axis: onnxAxis }, `${ctx.name}/concat`), channelsFirstLayout);
};
