import { applyActivation, clip, elementwise, softmaxOver } from './activations';
import { kt, toLastPerm, type KerasShape, type KTensor } from './builder';
import { fmtShape, single, type LayerContext, type LayerTranslator } from './layer-context';
import { checkShape, readArray } from './weights';

/** Dense on the last axis: Gemm for (N, in), MatMul + Add for higher ranks. Kernel (in, out) is used as is. */
export const dense: LayerTranslator = (ctx) => {
  const { cfg, b } = ctx;
  const x = single(ctx);
  const units = cfg.count('units');
  const useBias = cfg.boolean('use_bias', true);
  const inFeatures = x.shape[x.shape.length - 1];
  const w = ctx.weights(useBias ? ['kernel', 'bias'] : ['kernel']);
  const kernel = w.get('kernel')!;
  checkShape(cfg.where, 'kernel', kernel, [inFeatures, units]);
  const k = b.floats(`${ctx.name}/kernel`, kernel.shape, readArray(cfg.where, kernel));
  let bias: string | undefined;
  if (useBias) {
    const bw = w.get('bias')!;
    checkShape(cfg.where, 'bias', bw, [units]);
    bias = b.floats(`${ctx.name}/bias`, [units], readArray(cfg.where, bw));
  }
  const input = b.asKeras(x, ctx.name);
  const shape: KerasShape = [...x.shape.slice(0, -1), units];
  let y: string;
  if (x.shape.length === 2) {
    y = b.node('Gemm', bias ? [input, k, bias] : [input, k], {}, `${ctx.name}/gemm`);
  } else {
    y = b.node('MatMul', [input, k], {}, `${ctx.name}/matmul`);
    if (bias) y = b.node('Add', [y, bias], {}, `${ctx.name}/bias_add`);
  }
  return applyActivation(ctx, kt(shape, { keras: y }), cfg.raw('activation'));
};

export const activation: LayerTranslator = (ctx) => applyActivation(ctx, single(ctx), ctx.cfg.raw('activation'));

/** ReLU(max_value, negative_slope, threshold) with what ONNX can express. */
export const relu: LayerTranslator = (ctx) => {
  const { cfg } = ctx;
  const x = single(ctx);
  const maxValue = cfg.optionalNumber('max_value');
  const slope = cfg.number('negative_slope', 0);
  const threshold = cfg.number('threshold', 0);
  if (threshold !== 0) cfg.fail(`ReLU with threshold ${threshold} is not supported`);
  let y = slope === 0 ? elementwise(ctx, x, 'Relu', {}) : elementwise(ctx, x, 'LeakyRelu', { alpha: slope });
  if (maxValue !== undefined) y = clip(ctx, y, slope === 0 ? 0 : -3.4e38, maxValue);
  return y;
};

export const leakyRelu: LayerTranslator = (ctx) => {
  const alpha = ctx.cfg.has('negative_slope') ? ctx.cfg.number('negative_slope') : ctx.cfg.number('alpha', 0.3);
  return elementwise(ctx, single(ctx), 'LeakyRelu', { alpha });
};

export const elu: LayerTranslator = (ctx) => elementwise(ctx, single(ctx), 'Elu', { alpha: ctx.cfg.number('alpha', 1) });

export const softmax: LayerTranslator = (ctx) => {
  const axes = ctx.cfg.numbers('axis') ?? [-1];
  if (axes.length !== 1) ctx.cfg.fail(`softmax over several axes ${JSON.stringify(axes)} is not supported`);
  return softmaxOver(ctx, single(ctx), axes[0]);
};

/** PReLU: alpha has the input's feature shape (1 on shared axes), applied in Keras layout. */
export const prelu: LayerTranslator = (ctx) => {
  const x = single(ctx);
  const alpha = ctx.weights(['alpha']).get('alpha')!;
  const slope = ctx.b.floats(`${ctx.name}/alpha`, alpha.shape, readArray(ctx.cfg.where, alpha));
  const y = ctx.b.node('PRelu', [ctx.b.asKeras(x, ctx.name), slope], {}, `${ctx.name}/prelu`);
  return kt(x.shape, { keras: y }, x.channelsFirst);
};

/** Layers that do nothing at inference (dropout, noise, regularisers): an Identity. */
export const identity: LayerTranslator = (ctx) => single(ctx);

/** Flatten in Keras order (channels last); a channels_first Flatten moves channels last first, as Keras does. */
export const flatten: LayerTranslator = (ctx) => {
  const { b, cfg } = ctx;
  const x = single(ctx);
  let input = b.asKeras(x, ctx.name);
  if (cfg.string('data_format', 'channels_last') === 'channels_first' && x.shape.length >= 3) {
    input = b.node('Transpose', [input], { perm: toLastPerm(x.shape.length) }, `${ctx.name}/to_channels_last`);
  }
  const rest = x.shape.slice(1);
  const size = rest.some((d) => d === null) ? null : rest.reduce<number>((a, d) => a * (d as number), 1);
  return kt([x.shape[0], size], { keras: b.node('Flatten', [input], { axis: 1 }, `${ctx.name}/flatten`) });
};

export const reshape: LayerTranslator = (ctx) => {
  const x = single(ctx);
  const target = (ctx.cfg.numbers('target_shape') ?? []).map((d) => d);
  if (target.length === 0 || target.some((d) => !Number.isInteger(d) || d < -1 || d === 0) || target.filter((d) => d === -1).length > 1) {
    ctx.cfg.fail(`target_shape ${JSON.stringify(ctx.cfg.raw('target_shape'))} is not a shape`);
  }
  const known = x.shape.slice(1);
  const total = known.some((d) => d === null) ? null : known.reduce<number>((a, d) => a * (d as number), 1);
  const free = target.indexOf(-1);
  const product = target.filter((d) => d !== -1).reduce((a, d) => a * d, 1);
  const shape = target.map((d, i) => (i === free ? (total === null || product === 0 ? null : total / product) : d));
  if (free < 0 && total !== null && product !== total) ctx.cfg.fail(`cannot reshape ${fmtShape(x.shape)} to ${JSON.stringify(target)}`);
  const y = ctx.b.node('Reshape', [ctx.b.asKeras(x, ctx.name), ctx.b.ints(`${ctx.name}/shape`, [0, ...target])], {}, `${ctx.name}/reshape`);
  return kt([x.shape[0], ...shape], { keras: y });
};

export const permuteLayer: LayerTranslator = (ctx) => {
  const x = single(ctx);
  const dims = ctx.cfg.numbers('dims') ?? [];
  if (dims.length !== x.shape.length - 1 || [...dims].sort().some((d, i) => d !== i + 1)) ctx.cfg.fail(`dims ${JSON.stringify(dims)} is not a permutation of 1…${x.shape.length - 1}`);
  const y = ctx.b.node('Transpose', [ctx.b.asKeras(x, ctx.name)], { perm: [0, ...dims] }, `${ctx.name}/transpose`);
  return kt([x.shape[0], ...dims.map((d) => x.shape[d])], { keras: y });
};

/** Normalised axis of a Keras tensor, or a clear error. */
function axisOf(ctx: LayerContext, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 1 || a >= rank) ctx.cfg.fail(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/** BatchNormalization in inference mode over one channel axis: ONNX BatchNormalization on (N, C, …). */
export const batchNormalization: LayerTranslator = (ctx) => {
  const { cfg, b } = ctx;
  const x = single(ctx);
  const rank = x.shape.length;
  const axes = cfg.numbers('axis') ?? [-1];
  if (axes.length !== 1) cfg.fail(`normalisation over several axes ${JSON.stringify(axes)} is not supported`);
  const axis = axisOf(ctx, axes[0], rank);
  const center = cfg.boolean('center', true);
  const scale = cfg.boolean('scale', true);
  const roles = [...(scale ? ['gamma'] : []), ...(center ? ['beta'] : []), 'moving_mean', 'moving_variance'];
  const w = ctx.weights(roles);
  const channels = w.get('moving_mean')!.shape[0];
  if (x.shape[axis] !== null && x.shape[axis] !== channels) cfg.fail(`has ${channels} channels, its input ${fmtShape(x.shape)} has ${x.shape[axis]} on axis ${axis}`);
  const param = (role: string, fill: number): string => {
    const a = w.get(role);
    if (a) {
      checkShape(cfg.where, role, a, [channels]);
      return b.floats(`${ctx.name}/${role}`, [channels], readArray(cfg.where, a));
    }
    return b.floats(`${ctx.name}/${role}`, [channels], new Float32Array(channels).fill(fill));
  };
  const inputs = [param('gamma', 1), param('beta', 0), param('moving_mean', 0), param('moving_variance', 1)];
  const epsilon = cfg.number('epsilon', 1e-3);
  const bn = (input: string): string => b.node('BatchNormalization', [input, ...inputs], { epsilon }, `${ctx.name}/batch_norm`);
  // ONNX normalises axis 1: the Keras tensor itself when that is the channel axis, else its channels-first copy.
  if (rank <= 2) return kt(x.shape, { keras: bn(b.asKeras(x, ctx.name)) });
  if (axis === 1) return kt(x.shape, { keras: bn(b.asKeras(x, ctx.name)) }, true);
  if (axis !== rank - 1 || x.channelsFirst) cfg.fail(`normalisation over axis ${axis} of ${fmtShape(x.shape)} is not supported`);
  return kt(x.shape, { nchw: bn(b.asNchw(x, ctx.name)) });
};

/** Constants broadcast against a Keras tensor: a scalar, or one value per position of the given axes. */
function broadcastConstant(ctx: LayerContext, x: KTensor, values: Float32Array, axes: readonly number[], base: string): string {
  if (values.length === 1) return ctx.b.floats(base, [], values);
  const shape = x.shape.slice(1).map((d, i) => (axes.includes(i + 1) ? d : 1));
  const size = shape.reduce<number>((a, d) => a * (d ?? NaN), 1);
  if (size !== values.length) ctx.cfg.fail(`has ${values.length} values for axes ${JSON.stringify(axes)} of ${fmtShape(x.shape)}`);
  return ctx.b.floats(base, shape as number[], values);
}

/** Rescaling: x·scale + offset (scalars or per-channel lists). */
export const rescaling: LayerTranslator = (ctx) => {
  const { cfg, b } = ctx;
  const x = single(ctx);
  const scale = Float32Array.from(cfg.numbers('scale') ?? [1]);
  const offset = Float32Array.from(cfg.numbers('offset') ?? [0]);
  const lastAxis = [x.shape.length - 1];
  const scalar = scale.length === 1 && offset.length === 1;
  let y: KTensor = scalar ? x : kt(x.shape, { keras: b.asKeras(x, ctx.name) }, x.channelsFirst);
  if (!(scale.length === 1 && scale[0] === 1)) y = elementwise(ctx, y, 'Mul', {}, [broadcastConstant(ctx, x, scale, lastAxis, `${ctx.name}/scale`)]);
  if (!(offset.length === 1 && offset[0] === 0)) y = elementwise(ctx, y, 'Add', {}, [broadcastConstant(ctx, x, offset, lastAxis, `${ctx.name}/offset`)]);
  if (y === x) y = elementwise(ctx, x, 'Identity', {});
  return y;
};

/**
 * Normalization: (x − mean) / max(√variance, 1e−7), or its inverse, with mean and variance
 * from the config or from the adapted weights (mean, variance, count).
 */
export const normalization: LayerTranslator = (ctx) => {
  const { cfg } = ctx;
  const x = single(ctx);
  const rank = x.shape.length;
  const rawAxes = cfg.raw('axis');
  const axes = rawAxes === null ? [] : (cfg.numbers('axis') ?? [-1]).map((a) => axisOf(ctx, a, rank));
  let mean: Float32Array;
  let variance: Float32Array;
  if (cfg.has('mean') && cfg.has('variance')) {
    mean = Float32Array.from(cfg.numbers('mean')!);
    variance = Float32Array.from(cfg.numbers('variance')!);
  } else {
    const w = ctx.weights(['mean', 'variance', 'count']);
    mean = readArray(cfg.where, w.get('mean')!);
    variance = readArray(cfg.where, w.get('variance')!);
  }
  if (mean.length !== variance.length) cfg.fail(`mean has ${mean.length} values, variance ${variance.length}`);
  const std = variance.map((v) => Math.max(Math.sqrt(v), 1e-7));
  const input = kt(x.shape, { keras: ctx.b.asKeras(x, ctx.name) }, x.channelsFirst);
  const meanName = broadcastConstant(ctx, x, mean, axes, `${ctx.name}/mean`);
  if (cfg.boolean('invert', false)) {
    const scaled = elementwise(ctx, input, 'Mul', {}, [broadcastConstant(ctx, x, std, axes, `${ctx.name}/std`)]);
    return elementwise(ctx, scaled, 'Add', {}, [meanName]);
  }
  const centred = elementwise(ctx, input, 'Sub', {}, [meanName]);
  return elementwise(ctx, centred, 'Mul', {}, [broadcastConstant(ctx, x, std.map((s) => 1 / s), axes, `${ctx.name}/inv_std`)]);
};
