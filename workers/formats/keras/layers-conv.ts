import type { AttrValue } from '../../engine/graph';
import { applyActivation } from './activations';
import { kt, type KerasShape, type KTensor } from './builder';
import { fmtShape, isChannelsFirst, single, spatialOf, type LayerContext, type LayerTranslator } from './layer-context';
import { checkShape, permute, readArray, type WeightArray } from './weights';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const ones = (n: number): number[] => new Array<number>(n).fill(1);

/** The input of a convolution or pooling in channels-first order (ONNX's N, C, …). */
function firstInput(ctx: LayerContext, x: KTensor, channelsFirst: boolean): string {
  return channelsFirst ? ctx.b.asKeras(x, ctx.name) : ctx.b.asNchw(x, ctx.name);
}

function output(x: KTensor, channelsFirst: boolean, spatial: readonly (number | null)[], channels: number | null, name: string): KTensor {
  const shape: KerasShape = channelsFirst ? [x.shape[0], channels, ...spatial] : [x.shape[0], ...spatial, channels];
  return kt(shape, channelsFirst ? { keras: name } : { nchw: name }, channelsFirst);
}

interface Padding {
  readonly attrs: Record<string, AttrValue>;
  readonly outSpatial: (number | null)[];
}

/**
 * Keras padding as explicit ONNX pads. 'same' pads (k−1)·d+1−s… in total with the extra
 * pixel at the end, as TensorFlow does; 'causal' pads only the start. When an input size is
 * unknown and the stride is not 1 the split depends on it: then ONNX's SAME_UPPER (the same rule).
 */
export function kerasPadding(ctx: LayerContext, mode: string, spatial: readonly (number | null)[], kernel: readonly number[], strides: readonly number[], dilations: readonly number[]): Padding {
  const n = spatial.length;
  const effective = kernel.map((k, i) => (k - 1) * dilations[i] + 1);
  if (mode === 'valid') {
    return { attrs: { pads: new Array<number>(2 * n).fill(0) }, outSpatial: spatial.map((d, i) => (d === null ? null : Math.floor((d - effective[i]) / strides[i]) + 1)) };
  }
  const outSpatial = spatial.map((d, i) => (d === null ? null : Math.ceil(d / strides[i])));
  if (mode === 'causal') {
    if (n !== 1) ctx.cfg.fail('causal padding is defined for 1-D convolutions only');
    return { attrs: { pads: [effective[0] - 1, 0] }, outSpatial };
  }
  if (mode !== 'same') ctx.cfg.fail(`padding "${mode}" is not supported`);
  const begin: number[] = [];
  const end: number[] = [];
  for (let i = 0; i < n; i++) {
    const d = spatial[i];
    let total: number;
    if (d === null) {
      if (strides[i] !== 1) {
        ctx.note(`${ctx.layer.name}: 'same' padding on an input of unknown size uses ONNX SAME_UPPER`);
        return { attrs: { auto_pad: 'SAME_UPPER' }, outSpatial };
      }
      total = effective[i] - 1;
    } else {
      total = Math.max((Math.ceil(d / strides[i]) - 1) * strides[i] + effective[i] - d, 0);
    }
    begin.push(Math.floor(total / 2));
    end.push(total - Math.floor(total / 2));
  }
  return { attrs: { pads: [...begin, ...end] }, outSpatial };
}

function checkOutput(ctx: LayerContext, spatial: readonly (number | null)[]): void {
  if (spatial.some((d) => d !== null && d < 1)) ctx.cfg.fail(`the output would have spatial size ${fmtShape(spatial)}`);
}

function biasInput(ctx: LayerContext, useBias: boolean, w: Map<string, WeightArray>, channels: number): string[] {
  if (!useBias) return [];
  const bias = w.get('bias')!;
  checkShape(ctx.cfg.where, 'bias', bias, [channels]);
  return [ctx.b.floats(`${ctx.name}/bias`, [channels], readArray(ctx.cfg.where, bias))];
}

/** What every Keras convolution reads first: its input, layout, spatial dims and channels, kernel, strides and dilations. */
function convWindow(ctx: LayerContext, rank: number): { x: KTensor; cf: boolean; spatial: (number | null)[]; channels: number | null; kernel: number[]; strides: number[]; dilations: number[] } {
  const { cfg } = ctx;
  const x = single(ctx);
  const cf = isChannelsFirst(ctx);
  const { spatial, channels } = spatialOf(ctx, x.shape, rank, cf);
  const kernel = cfg.tuple('kernel_size', rank);
  const strides = cfg.tuple('strides', rank, ones(rank));
  const dilations = cfg.tuple('dilation_rate', rank, ones(rank));
  return { x, cf, spatial, channels, kernel, strides, dilations };
}

/** Conv1D/2D/3D: kernel (k…, in/groups, out) becomes ONNX W (out, in/groups, k…). */
export function conv(rank: number): LayerTranslator {
  return (ctx) => {
    const { cfg, b } = ctx;
    const { x, cf, spatial, channels, kernel, strides, dilations } = convWindow(ctx, rank);
    const filters = cfg.count('filters');
    const groups = cfg.count('groups', 1);
    const useBias = cfg.boolean('use_bias', true);
    const w = ctx.weights(useBias ? ['kernel', 'bias'] : ['kernel']);
    const k = w.get('kernel')!;
    checkShape(cfg.where, 'kernel', k, [...kernel, channels === null ? null : channels / groups, filters]);
    const W = permute(readArray(cfg.where, k), k.shape, [rank + 1, rank, ...range(rank)]);
    const inputs = [firstInput(ctx, x, cf), b.floats(`${ctx.name}/kernel`, W.shape, W.values), ...biasInput(ctx, useBias, w, filters)];
    const pad = kerasPadding(ctx, cfg.string('padding', 'valid'), spatial, kernel, strides, dilations);
    checkOutput(ctx, pad.outSpatial);
    const y = b.node('Conv', inputs, { kernel_shape: kernel, strides, dilations, group: groups, ...pad.attrs }, `${ctx.name}/conv`);
    return applyActivation(ctx, output(x, cf, pad.outSpatial, filters, y), cfg.raw('activation'));
  };
}

/** A depthwise kernel (k…, in, multiplier) as ONNX group-conv weights (in·multiplier, 1, k…). */
function depthwiseWeights(ctx: LayerContext, rank: number, kernel: readonly number[], channels: number | null, multiplier: number, role: string, w: Map<string, WeightArray>): { name: string; inChannels: number } {
  const k = w.get(role)!;
  checkShape(ctx.cfg.where, role, k, [...kernel, channels, multiplier]);
  const inChannels = k.shape[rank];
  const p = permute(readArray(ctx.cfg.where, k), k.shape, [rank, rank + 1, ...range(rank)]);
  const name = ctx.b.floats(`${ctx.name}/${role}`, [inChannels * multiplier, 1, ...kernel], p.values);
  return { name, inChannels };
}

export function depthwiseConv(rank: number): LayerTranslator {
  return (ctx) => {
    const { cfg, b } = ctx;
    const { x, cf, spatial, channels, kernel, strides, dilations } = convWindow(ctx, rank);
    const multiplier = cfg.count('depth_multiplier', 1);
    const useBias = cfg.boolean('use_bias', true);
    const w = ctx.weights(useBias ? ['depthwise_kernel', 'bias'] : ['depthwise_kernel']);
    const { name: weights, inChannels } = depthwiseWeights(ctx, rank, kernel, channels, multiplier, 'depthwise_kernel', w);
    const outChannels = inChannels * multiplier;
    const pad = kerasPadding(ctx, cfg.string('padding', 'valid'), spatial, kernel, strides, dilations);
    checkOutput(ctx, pad.outSpatial);
    const inputs = [firstInput(ctx, x, cf), weights, ...biasInput(ctx, useBias, w, outChannels)];
    const y = b.node('Conv', inputs, { kernel_shape: kernel, strides, dilations, group: inChannels, ...pad.attrs }, `${ctx.name}/depthwise`);
    return applyActivation(ctx, output(x, cf, pad.outSpatial, outChannels, y), cfg.raw('activation'));
  };
}

/** SeparableConv: a depthwise convolution, then a 1×1 pointwise one with the bias (two nodes, one layer). */
export function separableConv(rank: number): LayerTranslator {
  return (ctx) => {
    const { cfg, b } = ctx;
    const { x, cf, spatial, channels, kernel, strides, dilations } = convWindow(ctx, rank);
    const filters = cfg.count('filters');
    const multiplier = cfg.count('depth_multiplier', 1);
    const useBias = cfg.boolean('use_bias', true);
    const w = ctx.weights(useBias ? ['depthwise_kernel', 'pointwise_kernel', 'bias'] : ['depthwise_kernel', 'pointwise_kernel']);
    const { name: depthwise, inChannels } = depthwiseWeights(ctx, rank, kernel, channels, multiplier, 'depthwise_kernel', w);
    const mid = inChannels * multiplier;
    const pw = w.get('pointwise_kernel')!;
    checkShape(cfg.where, 'pointwise_kernel', pw, [...ones(rank), mid, filters]);
    const P = permute(readArray(cfg.where, pw), pw.shape, [rank + 1, rank, ...range(rank)]);
    const pad = kerasPadding(ctx, cfg.string('padding', 'valid'), spatial, kernel, strides, dilations);
    checkOutput(ctx, pad.outSpatial);
    const d = b.node('Conv', [firstInput(ctx, x, cf), depthwise], { kernel_shape: kernel, strides, dilations, group: inChannels, ...pad.attrs }, `${ctx.name}/depthwise`);
    const inputs = [d, b.floats(`${ctx.name}/pointwise_kernel`, P.shape, P.values), ...biasInput(ctx, useBias, w, filters)];
    const y = b.node('Conv', inputs, { kernel_shape: ones(rank), strides: ones(rank), dilations: ones(rank), group: 1, pads: new Array<number>(2 * rank).fill(0) }, `${ctx.name}/pointwise`);
    return applyActivation(ctx, output(x, cf, pad.outSpatial, filters, y), cfg.raw('activation'));
  };
}

/**
 * Conv…Transpose: kernel (k…, out, in) becomes ONNX W (in, out, k…). The output length is
 * Keras's deconv_output_length; TensorFlow crops the full transposed convolution by the
 * padding a forward 'same' convolution of that length would use, extra at the end.
 */
export function convTranspose(rank: number): LayerTranslator {
  return (ctx) => {
    const { cfg, b } = ctx;
    const { x, cf, spatial, channels, kernel, strides, dilations } = convWindow(ctx, rank);
    const filters = cfg.count('filters');
    const mode = cfg.string('padding', 'valid');
    if (mode !== 'same' && mode !== 'valid') cfg.fail(`padding "${mode}" is not supported`);
    const outputPadding = cfg.has('output_padding') ? cfg.tuple('output_padding', rank, undefined, 0) : undefined;
    const useBias = cfg.boolean('use_bias', true);
    const w = ctx.weights(useBias ? ['kernel', 'bias'] : ['kernel']);
    const k = w.get('kernel')!;
    checkShape(cfg.where, 'kernel', k, [...kernel, filters, channels]);
    const W = permute(readArray(cfg.where, k), k.shape, [rank + 1, rank, ...range(rank)]);
    const begin: number[] = [];
    const end: number[] = [];
    const extra: number[] = [];
    const outSpatial: number[] = [];
    for (let i = 0; i < rank; i++) {
      const size = spatial[i] ?? cfg.fail('a transposed convolution needs a known input size');
      const eff = (kernel[i] - 1) * dilations[i] + 1;
      const s = strides[i];
      let out: number;
      if (outputPadding === undefined) out = mode === 'valid' ? size * s + Math.max(eff - s, 0) : size * s;
      else out = (size - 1) * s + eff - 2 * (mode === 'same' ? Math.floor(eff / 2) : 0) + outputPadding[i];
      const full = (size - 1) * s + eff;
      const before = mode === 'same' ? Math.floor(Math.max(full - out, 0) / 2) : 0;
      const after = full - out - before;
      begin.push(before);
      end.push(Math.max(after, 0));
      extra.push(Math.max(-after, 0));
      outSpatial.push(out);
    }
    checkOutput(ctx, outSpatial);
    const inputs = [firstInput(ctx, x, cf), b.floats(`${ctx.name}/kernel`, W.shape, W.values), ...biasInput(ctx, useBias, w, filters)];
    const attrs: Record<string, AttrValue> = { kernel_shape: kernel, strides, dilations, group: 1, pads: [...begin, ...end] };
    if (extra.some((e) => e > 0)) attrs.output_padding = extra;
    const y = b.node('ConvTranspose', inputs, attrs, `${ctx.name}/conv_transpose`);
    return applyActivation(ctx, output(x, cf, outSpatial, filters, y), cfg.raw('activation'));
  };
}

/** Max and average pooling; TF's average excludes the padding (ONNX count_include_pad 0). */
export function pool(rank: number, opType: 'MaxPool' | 'AveragePool'): LayerTranslator {
  return (ctx) => {
    const { cfg, b } = ctx;
    const x = single(ctx);
    const cf = isChannelsFirst(ctx);
    const { spatial, channels } = spatialOf(ctx, x.shape, rank, cf);
    const key = cfg.has('pool_size') ? 'pool_size' : 'pool_length';
    const size = cfg.tuple(key, rank, new Array<number>(rank).fill(2));
    const strides = cfg.has('strides') ? cfg.tuple('strides', rank) : cfg.has('stride') ? cfg.tuple('stride', rank) : size;
    const pad = kerasPadding(ctx, cfg.string('padding', 'valid'), spatial, size, strides, ones(rank));
    checkOutput(ctx, pad.outSpatial);
    const attrs: Record<string, AttrValue> = { kernel_shape: size, strides, ...pad.attrs };
    if (opType === 'AveragePool') attrs.count_include_pad = 0;
    const y = b.node(opType, [firstInput(ctx, x, cf)], attrs, `${ctx.name}/${opType === 'MaxPool' ? 'max_pool' : 'average_pool'}`);
    return output(x, cf, pad.outSpatial, channels, y);
  };
}

export function globalPool(rank: number, opType: 'GlobalAveragePool' | 'GlobalMaxPool'): LayerTranslator {
  return (ctx) => {
    const { cfg, b } = ctx;
    const x = single(ctx);
    const cf = isChannelsFirst(ctx);
    const { channels } = spatialOf(ctx, x.shape, rank, cf);
    const y = b.node(opType, [firstInput(ctx, x, cf)], {}, `${ctx.name}/${opType === 'GlobalMaxPool' ? 'global_max_pool' : 'global_average_pool'}`);
    if (cfg.boolean('keepdims', false)) return output(x, cf, ones(rank), channels, y);
    return kt([x.shape[0], channels], { keras: b.node('Flatten', [y], { axis: 1 }, `${ctx.name}/flatten`) });
  };
}

/** ZeroPadding / Cropping amounts: an int, one int per axis, or (begin, end) per axis. */
function amounts(ctx: LayerContext, key: string, rank: number): [number, number][] {
  const v = ctx.cfg.raw(key);
  const bad = (): never => ctx.cfg.fail(`"${key}" ${JSON.stringify(v)} is not understood`);
  const pair = (p: unknown): [number, number] => {
    if (typeof p === 'number') return [p, p];
    if (Array.isArray(p) && p.length === 2 && p.every((q) => typeof q === 'number')) return [p[0] as number, p[1] as number];
    return bad();
  };
  if (typeof v === 'number') return new Array(rank).fill(0).map(() => [v, v]);
  if (!Array.isArray(v)) return bad();
  if (rank === 1) return [pair(v)];
  if (v.length !== rank) return bad();
  const out = v.map(pair);
  if (out.some(([a, c]) => !Number.isInteger(a) || !Number.isInteger(c) || a < 0 || c < 0)) bad();
  return out;
}

/** Spatial axes of a tensor in the layout chosen: [name, axes, spatial dims, rank]. */
function spatialLayout(ctx: LayerContext, x: KTensor, rank: number): { name: string; axes: number[]; channelsFirstLayout: boolean } {
  const cf = isChannelsFirst(ctx);
  spatialOf(ctx, x.shape, rank, cf);
  if (cf) return { name: ctx.b.asKeras(x, ctx.name), axes: range(rank).map((i) => i + 2), channelsFirstLayout: true };
  if (x.nchw) return { name: x.nchw, axes: range(rank).map((i) => i + 2), channelsFirstLayout: true };
  return { name: ctx.b.asKeras(x, ctx.name), axes: range(rank).map((i) => i + 1), channelsFirstLayout: false };
}

function fromLayout(x: KTensor, shape: KerasShape, name: string, channelsFirstLayout: boolean, cf: boolean): KTensor {
  if (cf) return kt(shape, { keras: name }, true);
  return kt(shape, channelsFirstLayout ? { nchw: name } : { keras: name });
}

export function zeroPadding(rank: number): LayerTranslator {
  return (ctx) => {
    const x = single(ctx);
    const cf = isChannelsFirst(ctx);
    const pads = amounts(ctx, 'padding', rank);
    const { name, axes, channelsFirstLayout } = spatialLayout(ctx, x, rank);
    const total = rank + 2;
    const begin = new Array<number>(total).fill(0);
    const end = new Array<number>(total).fill(0);
    axes.forEach((a, i) => {
      begin[a] = pads[i][0];
      end[a] = pads[i][1];
    });
    const y = ctx.b.node('Pad', [name, ctx.b.ints(`${ctx.name}/pads`, [...begin, ...end])], { mode: 'constant' }, `${ctx.name}/pad`);
    const shape = x.shape.map((d, i) => {
      const s = (cf ? i - 2 : i - 1);
      return d === null || s < 0 || s >= rank ? d : d + pads[s][0] + pads[s][1];
    });
    return fromLayout(x, shape, y, channelsFirstLayout, cf);
  };
}

export function cropping(rank: number): LayerTranslator {
  return (ctx) => {
    const x = single(ctx);
    const cf = isChannelsFirst(ctx);
    const crops = amounts(ctx, 'cropping', rank);
    const { spatial } = spatialOf(ctx, x.shape, rank, cf);
    const { name, axes, channelsFirstLayout } = spatialLayout(ctx, x, rank);
    const starts = crops.map(([a]) => a);
    const ends = crops.map(([, c], i) => {
      const d = spatial[i];
      if (d !== null) {
        if (crops[i][0] + c >= d) ctx.cfg.fail(`cropping ${JSON.stringify(crops)} leaves nothing of spatial size ${fmtShape(spatial)}`);
        return d - c;
      }
      return c > 0 ? -c : Number.MAX_SAFE_INTEGER;
    });
    const y = ctx.b.node('Slice', [name, ctx.b.ints(`${ctx.name}/starts`, starts), ctx.b.ints(`${ctx.name}/ends`, ends), ctx.b.ints(`${ctx.name}/axes`, axes)], {}, `${ctx.name}/slice`);
    const shape = x.shape.map((d, i) => {
      const s = cf ? i - 2 : i - 1;
      return d === null || s < 0 || s >= rank ? d : d - crops[s][0] - crops[s][1];
    });
    return fromLayout(x, shape, y, channelsFirstLayout, cf);
  };
}
