import { attrNumber } from '../graph';
import type { OpContext, OpDef, ReverseContext } from '../op';
import { floatTensor, formatShape, sizeOf, type Tensor } from '../tensor';
import { zeroedFloats } from '../kernels/scratch';
import { floatData } from './conv-common';
import { fail } from './conv-geometry';

/**
 * BatchNormalization (ONNX Operators.md#BatchNormalization) in inference mode:
 * y = (x − mean) / √(var + ε) · scale + B = x · s + t, linear per channel (or per element for
 * the opset ≤ 8 `spatial = 0` form, whose parameters are C×D1×…). Training mode (opset ≥ 14,
 * training_mode = 1) normalises with the batch's own statistics: it runs forward but, not
 * being the model's inference function, is not reversed.
 */
interface NormPlan {
  readonly images: number;
  /** Parameter values per image (C, or C·D1… for per-element parameters). */
  readonly params: number;
  /** Values each parameter applies to (the spatial size, or 1 per element). */
  readonly span: number;
  readonly shape: readonly number[];
}

function plan(ctx: OpContext): NormPlan {
  const s = ctx.inputShapes[0];
  if (!s || s.length < 2) fail(ctx, `input X has shape ${s ? formatShape(s) : 'nothing'}; expected N×C×…`);
  const channels = s[1];
  const perImage = sizeOf(s.slice(1));
  const names = ['scale', 'B', 'mean', 'var'];
  let params = 0;
  for (let i = 1; i <= 4; i++) {
    const ps = ctx.inputShapes[i];
    if (!ps) fail(ctx, `input ${names[i - 1]} is missing`);
    const n = sizeOf(ps);
    if (params === 0) params = n;
    if (n !== params || (n !== channels && n !== perImage)) {
      fail(ctx, `${names[i - 1]} has shape ${formatShape(ps)}; X ${formatShape(s)} needs [${channels}] per channel`);
    }
  }
  return { images: s[0], params, span: perImage / params, shape: s };
}

function isTraining(ctx: OpContext): boolean {
  return ctx.opset >= 14 && attrNumber(ctx.node, 'training_mode', 0) !== 0;
}

/** The per-parameter factor s = scale / √(var + ε) and offset t = B − mean · s. */
export function affine(ctx: OpContext, values: readonly (Tensor | undefined)[], mean?: Float64Array, variance?: Float64Array): { s: Float32Array; t: Float32Array } {
  const scale = floatData(ctx, values[1], 'scale');
  const bias = floatData(ctx, values[2], 'B');
  const m = mean ?? floatData(ctx, values[3], 'mean');
  const v = variance ?? floatData(ctx, values[4], 'var');
  const eps = attrNumber(ctx.node, 'epsilon', 1e-5);
  const s = new Float32Array(scale.length);
  const t = new Float32Array(scale.length);
  for (let i = 0; i < scale.length; i++) {
    const f = scale[i] / Math.sqrt(v[i] + eps);
    s[i] = f;
    t[i] = bias[i] - m[i] * f;
  }
  return { s, t };
}

/** The batch's mean and (population) variance per channel, for training mode. */
function batchStatistics(p: NormPlan, x: Float32Array): { mean: Float64Array; variance: Float64Array } {
  const mean = new Float64Array(p.params);
  const variance = new Float64Array(p.params);
  const count = p.images * p.span;
  for (let n = 0; n < p.images; n++) {
    for (let c = 0; c < p.params; c++) {
      const start = (n * p.params + c) * p.span;
      for (let i = start; i < start + p.span; i++) mean[c] += x[i];
    }
  }
  for (let c = 0; c < p.params; c++) mean[c] /= count;
  for (let n = 0; n < p.images; n++) {
    for (let c = 0; c < p.params; c++) {
      const start = (n * p.params + c) * p.span;
      for (let i = start; i < start + p.span; i++) variance[c] += (x[i] - mean[c]) ** 2;
    }
  }
  for (let c = 0; c < p.params; c++) variance[c] /= count;
  return { mean, variance };
}

/** out = x · s + t per parameter, for `images` images (t omitted in the reversal). */
function scaleShift(p: NormPlan, images: number, x: Float32Array, s: Float32Array, t?: Float32Array): Float32Array {
  const y = zeroedFloats(images * p.params * p.span);
  let o = 0;
  for (let n = 0; n < images; n++) {
    for (let c = 0; c < p.params; c++) {
      const f = s[c];
      const b = t ? t[c] : 0;
      const end = o + p.span;
      for (; o < end; o++) y[o] = x[o] * f + b;
    }
  }
  return y;
}

export const batchNormalizationOp: OpDef = {
  type: 'BatchNormalization',
  elementwise: true,
  kind: 'linear',
  kindAt: (ctx) => (isTraining(ctx) || [1, 2, 3, 4].some((i) => !ctx.constants[i]) ? 'nonlinear' : 'linear'),
  inferShapes(ctx) {
    const p = plan(ctx);
    const stats = ctx.inputShapes[3]!;
    return ctx.node.outputs.map((_, i) => (i === 0 ? [...p.shape] : [...stats]));
  },
  batchFirst: (ctx) => !isTraining(ctx) && ctx.node.outputs.length === 1,
  forward(ctx, inputs) {
    const p = plan(ctx);
    const x = floatData(ctx, inputs[0], 'X');
    const statsShape = ctx.inputShapes[3] ?? [p.params];
    if (isTraining(ctx)) {
      const { mean, variance } = batchStatistics(p, x);
      const { s, t } = affine(ctx, inputs, mean, variance);
      const momentum = attrNumber(ctx.node, 'momentum', 0.9);
      const runningMean = floatData(ctx, inputs[3], 'mean').map((m, c) => m * momentum + mean[c] * (1 - momentum));
      const runningVar = floatData(ctx, inputs[4], 'var').map((v, c) => v * momentum + variance[c] * (1 - momentum));
      const outs = [floatTensor(p.shape, scaleShift(p, p.images, x, s, t)), floatTensor(statsShape, runningMean), floatTensor(statsShape, runningVar)];
      return outs.slice(0, Math.max(1, ctx.node.outputs.length));
    }
    const { s, t } = affine(ctx, inputs);
    const y = floatTensor(p.shape, scaleShift(p, p.images, x, s, t));
    // Opset < 14 declares optional statistics outputs; in inference they are the given statistics.
    const extra = ctx.node.outputs.slice(1).map((_, i) => floatTensor(statsShape, Float32Array.from(floatData(ctx, inputs[3 + (i % 2)], i % 2 ? 'var' : 'mean'))));
    return [y, ...extra];
  },
  reverse(ctx: ReverseContext, [gy]) {
    if (!gy) return [undefined, undefined, undefined, undefined, undefined];
    if (isTraining(ctx)) fail(ctx, 'BatchNormalization in training mode uses the batch statistics and cannot be reversed; export the model in inference (eval) mode');
    if ([1, 2, 3, 4].some((i) => !ctx.constants[i])) fail(ctx, 'BatchNormalization parameters that depend on the input are not supported');
    const p = plan(ctx);
    const { s } = affine(ctx, ctx.constants);
    return [scaleShift(p, ctx.batch * p.images, gy, s), undefined, undefined, undefined, undefined];
  },
};
