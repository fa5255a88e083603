import type { AttrValue } from '../../engine/graph';
import { sizeOf, toNumbers, type Tensor } from '../../engine/tensor';
import { kt, toFirstPerm, type GraphBuilder, type KTensor } from '../keras/builder';
import { permute } from '../keras/weights';
import type { Table } from './flatbuffer';
import type { TflOperator } from './schema';

/** What an op translator gets: the builder, the operator, its inputs and its declared output. */
export interface OpContext {
  readonly b: GraphBuilder;
  readonly op: TflOperator;
  /** "operator 3 (CONV_2D, output "…")", for messages. */
  readonly where: string;
  /** The output tensor's name: the base of the names of the nodes made. */
  readonly name: string;
  /** The output shape the file declares (NHWC). */
  readonly outShape: readonly number[];
  fail(problem: string): never;
  /** Input i as a tensor of the graph (a computed value, or a constant added as an initializer). */
  input(i: number): KTensor;
  /** Input i's value when it is a constant (dequantised), else undefined. */
  constant(i: number): Tensor | undefined;
  isVariable(i: number): boolean;
  inputName(i: number): string;
}

export type OpTranslator = (ctx: OpContext) => KTensor;

/** Options table accessors with the schema's defaults when the table is absent. */
const opt = (ctx: OpContext): { int: (id: number, d?: number) => number; byte: (id: number) => number; bool: (id: number) => boolean; float: (id: number, d: number) => number; ints: (id: number) => number[]; t?: Table } => {
  const t = ctx.op.options;
  return {
    int: (id, d = 0) => (t ? t.int32(id, d) : d),
    byte: (id) => (t ? t.int8(id, 0) : 0),
    bool: (id) => (t ? t.bool(id, false) : false),
    float: (id, d) => (t ? t.float32(id, d) : d),
    ints: (id) => (t ? t.int32s(id, `options of ${ctx.where}`) : []),
    t,
  };
};

const fmt = (s: readonly (number | null)[]): string => `[${s.map((d) => d ?? '?').join(', ')}]`;

/** Runs an elementwise op on whichever copy of the tensor exists, the channels-first one first. */
function elementwise(ctx: OpContext, t: KTensor, opType: string, extra: readonly string[] = [], attrs: Record<string, AttrValue> = {}, base = `${ctx.name}/${opType.toLowerCase()}`): KTensor {
  if (t.nchw && !t.channelsFirst) return kt(t.shape, { nchw: ctx.b.node(opType, [t.nchw, ...extra], attrs, base) });
  return kt(t.shape, { keras: ctx.b.node(opType, [t.keras ?? t.nchw!, ...extra], attrs, base) }, t.channelsFirst);
}

function clip(ctx: OpContext, t: KTensor, min: number, max: number): KTensor {
  return elementwise(ctx, t, 'Clip', [ctx.b.scalar(`${ctx.name}/clip_min`, min), ctx.b.scalar(`${ctx.name}/clip_max`, max)]);
}

/** ActivationFunctionType: NONE, RELU, RELU_N1_TO_1, RELU6, TANH (SIGN_BIT is refused). */
function fused(ctx: OpContext, t: KTensor, code: number): KTensor {
  switch (code) {
    case 0:
      return t;
    case 1:
      return elementwise(ctx, t, 'Relu');
    case 2:
      return clip(ctx, t, -1, 1);
    case 3:
      return clip(ctx, t, 0, 6);
    case 4:
      return elementwise(ctx, t, 'Tanh');
    default:
      return ctx.fail(`fused activation ${code === 5 ? 'SIGN_BIT' : code} is not supported`);
  }
}

function variable(ctx: OpContext, i: number, what: string): KTensor {
  if (!ctx.isVariable(i)) ctx.fail(`the ${what} "${ctx.inputName(i)}" must be computed from the model's input`);
  return ctx.input(i);
}

function weights(ctx: OpContext, i: number, rank: number, what: string): Tensor {
  const w = ctx.constant(i) ?? ctx.fail(`the ${what} "${ctx.inputName(i)}" must be a constant`);
  if (w.dtype !== 'float32' || w.shape.length !== rank) ctx.fail(`the ${what} "${ctx.inputName(i)}" has shape ${fmt(w.shape)}; a rank-${rank} float or quantised tensor is expected`);
  return w;
}

function bias(ctx: OpContext, i: number, channels: number): string[] {
  if (ctx.op.inputs[i] === undefined || ctx.op.inputs[i] < 0) return [];
  const v = ctx.constant(i) ?? ctx.fail(`the bias "${ctx.inputName(i)}" must be a constant`);
  if (v.data.length !== channels) ctx.fail(`the bias "${ctx.inputName(i)}" has ${v.data.length} values for ${channels} channels`);
  return [ctx.b.floats(`${ctx.name}/bias`, [channels], Float32Array.from(v.data))];
}

function spatial4(ctx: OpContext, x: KTensor): [number, number, number, number] {
  if (x.shape.length !== 4 || x.shape.some((d) => d === null)) ctx.fail(`expects a rank-4 NHWC input of known size, got ${fmt(x.shape)}`);
  return x.shape as [number, number, number, number];
}

/**
 * TensorFlow's padding: SAME pads (out−1)·s + effective kernel − in in total, the odd pixel
 * at the end; VALID pads nothing. Returns ONNX pads and the output size.
 */
function tfPadding(ctx: OpContext, mode: number, size: readonly number[], kernel: readonly number[], strides: readonly number[], dilations: readonly number[]): { pads: number[]; out: number[] } {
  if (mode !== 0 && mode !== 1) ctx.fail(`padding ${mode} is neither SAME nor VALID`);
  if ([...strides, ...dilations].some((s) => !Number.isInteger(s) || s < 1)) ctx.fail(`strides ${fmt(strides)} and dilations ${fmt(dilations)} must be positive`);
  const begin: number[] = [];
  const end: number[] = [];
  const out: number[] = [];
  size.forEach((d, i) => {
    const eff = (kernel[i] - 1) * dilations[i] + 1;
    const o = mode === 0 ? Math.ceil(d / strides[i]) : Math.floor((d - eff) / strides[i]) + 1;
    if (o < 1) ctx.fail(`a window of ${eff} does not fit the input size ${d}`);
    const total = mode === 0 ? Math.max((o - 1) * strides[i] + eff - d, 0) : 0;
    begin.push(Math.floor(total / 2));
    end.push(total - Math.floor(total / 2));
    out.push(o);
  });
  return { pads: [...begin, ...end], out };
}

/** Checks the shape computed against the shape the file declares for the output. */
function declared(ctx: OpContext, shape: readonly (number | null)[]): void {
  if (shape.length !== ctx.outShape.length || shape.some((d, i) => d !== null && d !== ctx.outShape[i])) {
    ctx.fail(`the output would have shape ${fmt(shape)}; the file declares ${fmt(ctx.outShape)}`);
  }
}

function convLike(ctx: OpContext, x: KTensor, w: { name: string; kh: number; kw: number; group: number; out: number }, o: { padding: number; sw: number; sh: number; dw: number; dh: number; act: number }, biasIndex: number): KTensor {
  const [n, h, wd] = spatial4(ctx, x);
  const p = tfPadding(ctx, o.padding, [h, wd], [w.kh, w.kw], [o.sh, o.sw], [o.dh, o.dw]);
  const shape = [n, p.out[0], p.out[1], w.out];
  declared(ctx, shape);
  const inputs = [ctx.b.asNchw(x, ctx.name), w.name, ...bias(ctx, biasIndex, w.out)];
  const y = ctx.b.node('Conv', inputs, { kernel_shape: [w.kh, w.kw], strides: [o.sh, o.sw], dilations: [o.dh, o.dw], group: w.group, pads: p.pads }, `${ctx.name}/conv`);
  return fused(ctx, kt(shape, { nchw: y }), o.act);
}

/** CONV_2D: filter OHWI (O, KH, KW, I) becomes ONNX OIHW; I < C makes a grouped convolution. */
const conv2d: OpTranslator = (ctx) => {
  const x = variable(ctx, 0, 'input');
  const channels = spatial4(ctx, x)[3];
  const f = weights(ctx, 1, 4, 'filter');
  const [out, kh, kw, perGroup] = f.shape;
  if (perGroup < 1 || channels % perGroup !== 0 || out % (channels / perGroup) !== 0) ctx.fail(`the filter ${fmt(f.shape)} does not fit ${channels} input channels`);
  const W = permute(f.data as Float32Array, f.shape, [0, 3, 1, 2]);
  const o = opt(ctx);
  const name = ctx.b.floats(`${ctx.name}/filter`, W.shape, W.values);
  return convLike(ctx, x, { name, kh, kw, group: channels / perGroup, out }, { padding: o.byte(0), sw: o.int(1), sh: o.int(2), act: o.byte(3), dw: o.int(4, 1), dh: o.int(5, 1) }, 2);
};

/** DEPTHWISE_CONV_2D: filter (1, KH, KW, C·M), output channel c·M + m, as ONNX group = C. */
const depthwise: OpTranslator = (ctx) => {
  const x = variable(ctx, 0, 'input');
  const channels = spatial4(ctx, x)[3];
  const f = weights(ctx, 1, 4, 'filter');
  const [one, kh, kw, out] = f.shape;
  if (one !== 1 || out % channels !== 0) ctx.fail(`the depthwise filter ${fmt(f.shape)} does not fit ${channels} input channels`);
  const W = permute(f.data as Float32Array, f.shape, [3, 0, 1, 2]);
  const o = opt(ctx);
  const name = ctx.b.floats(`${ctx.name}/filter`, W.shape, W.values);
  return convLike(ctx, x, { name, kh, kw, group: channels, out }, { padding: o.byte(0), sw: o.int(1), sh: o.int(2), act: o.byte(4), dw: o.int(5, 1), dh: o.int(6, 1) }, 2);
};

/** FULLY_CONNECTED: the input flattened to (−1, in), times the (out, in) weights transposed. */
const fullyConnected: OpTranslator = (ctx) => {
  const x = variable(ctx, 0, 'input');
  const w = weights(ctx, 1, 2, 'weights');
  const o = opt(ctx);
  if (o.byte(1) !== 0) ctx.fail('shuffled weights (weights_format SHUFFLED4x16INT8) are not supported');
  const [units, depth] = w.shape;
  const size = sizeOf(x.shape.map((d) => d ?? 1));
  if (depth < 1 || size % depth !== 0) ctx.fail(`the input ${fmt(x.shape)} does not divide into rows of ${depth}`);
  const { b } = ctx;
  let flat = b.asKeras(x, ctx.name);
  if (x.shape.length !== 2) flat = b.node('Reshape', [flat, b.ints(`${ctx.name}/rows`, [-1, depth])], {}, `${ctx.name}/flatten`);
  const y = b.node('Gemm', [flat, b.floats(`${ctx.name}/weights`, [units, depth], w.data as Float32Array), ...bias(ctx, 2, units)], { transB: 1 }, `${ctx.name}/gemm`);
  let result = kt([size / depth, units], { keras: y });
  if (o.bool(2) && x.shape.length !== 2) {
    const shape = [...x.shape.slice(0, -1), units];
    result = kt(shape, { keras: b.node('Reshape', [y, b.ints(`${ctx.name}/shape`, shape.map((d) => d ?? -1))], {}, `${ctx.name}/keep_dims`) });
  }
  declared(ctx, result.shape);
  return fused(ctx, result, o.byte(0));
};

/** ADD and MUL with NumPy broadcasting; both on the channels-first copies when both have one. */
function binary(opType: 'Add' | 'Mul'): OpTranslator {
  return (ctx) => {
    const [a, c] = [ctx.input(0), ctx.input(1)];
    const { b } = ctx;
    const same = a.shape.length === c.shape.length && a.shape.every((d, i) => d === c.shape[i]);
    let y: KTensor;
    if (same && a.nchw && c.nchw && !a.channelsFirst) {
      y = kt(a.shape, { nchw: b.node(opType, [a.nchw, c.nchw], {}, `${ctx.name}/${opType.toLowerCase()}`) });
    } else {
      const [left, right] = [b.asKeras(a, ctx.name), b.asKeras(c, ctx.name)];
      y = kt(ctx.outShape, { keras: b.node(opType, [left, right], {}, `${ctx.name}/${opType.toLowerCase()}`) });
    }
    return fused(ctx, y, opt(ctx).byte(0));
  };
}

/** AVERAGE_POOL_2D (padding not counted, as TFLite does) and MAX_POOL_2D. */
function pool(opType: 'AveragePool' | 'MaxPool'): OpTranslator {
  return (ctx) => {
    const x = variable(ctx, 0, 'input');
    const [n, h, w, c] = spatial4(ctx, x);
    const o = opt(ctx);
    const kernel = [o.int(4), o.int(3)];
    const strides = [o.int(2), o.int(1)];
    if (kernel.some((k) => k < 1)) ctx.fail(`filter size ${fmt(kernel)} must be positive`);
    const p = tfPadding(ctx, o.byte(0), [h, w], kernel, strides, [1, 1]);
    const shape = [n, p.out[0], p.out[1], c];
    declared(ctx, shape);
    const attrs: Record<string, AttrValue> = { kernel_shape: kernel, strides, pads: p.pads };
    if (opType === 'AveragePool') attrs.count_include_pad = 0;
    const y = ctx.b.node(opType, [ctx.b.asNchw(x, ctx.name)], attrs, `${ctx.name}/${opType === 'MaxPool' ? 'max_pool' : 'average_pool'}`);
    return fused(ctx, kt(shape, { nchw: y }), o.byte(5));
  };
}

/** Axis `a` of an NHWC tensor is axis toFirst.indexOf(a) of its channels-first copy. */
function firstAxis(rank: number, a: number): number {
  return toFirstPerm(rank).indexOf(a);
}

function normAxis(ctx: OpContext, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) ctx.fail(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/** MEAN over constant axes; on the channels-first copy when the kept axes keep their order. */
const mean: OpTranslator = (ctx) => {
  const x = variable(ctx, 0, 'input');
  const rank = x.shape.length;
  const axesValue = ctx.constant(1) ?? ctx.fail('the axes must be a constant');
  const axes = [...new Set(toNumbers(axesValue).map((a) => normAxis(ctx, a, rank)))];
  const keep = opt(ctx).bool(0);
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const shape = keep ? kept : x.shape.filter((_, i) => !axes.includes(i));
  declared(ctx, shape);
  const spatialOnly = rank >= 3 && axes.every((a) => a > 0 && a < rank - 1) && axes.length === rank - 2;
  if (x.nchw && !x.channelsFirst && (keep || spatialOnly)) {
    const y = ctx.b.node('ReduceMean', [x.nchw], { axes: axes.map((a) => firstAxis(rank, a)), keepdims: keep ? 1 : 0 }, `${ctx.name}/mean`);
    return keep ? kt(shape, { nchw: y }) : kt(shape, { keras: y });
  }
  return kt(shape, { keras: ctx.b.node('ReduceMean', [ctx.b.asKeras(x, ctx.name)], { axes, keepdims: keep ? 1 : 0 }, `${ctx.name}/mean`) });
};

/** RESHAPE and SQUEEZE to the shape the file declares for the output (TFLite shapes are static). */
const reshape: OpTranslator = (ctx) => {
  const x = ctx.input(0);
  const size = sizeOf(x.shape.map((d) => d ?? 1));
  if (sizeOf(ctx.outShape) !== size) ctx.fail(`cannot reshape ${fmt(x.shape)} to the declared ${fmt(ctx.outShape)}`);
  const y = ctx.b.node('Reshape', [ctx.b.asKeras(x, ctx.name), ctx.b.ints(`${ctx.name}/shape`, ctx.outShape)], {}, `${ctx.name}/reshape`);
  return kt(ctx.outShape, { keras: y });
};

/** TRANSPOSE by a constant permutation (PyTorch conversions wrap the network in NCHW↔NHWC transposes). */
const transpose: OpTranslator = (ctx) => {
  const x = ctx.input(0);
  const perm = toNumbers(ctx.constant(1) ?? ctx.fail('the permutation must be a constant'));
  const rank = x.shape.length;
  if (perm.length !== rank || new Set(perm).size !== rank || perm.some((p) => !Number.isInteger(p) || p < 0 || p >= rank)) ctx.fail(`[${perm.join(', ')}] is not a permutation of ${rank} axes`);
  const shape = perm.map((p) => x.shape[p]);
  declared(ctx, shape);
  return kt(shape, { keras: ctx.b.node('Transpose', [ctx.b.asKeras(x, ctx.name)], { perm }, `${ctx.name}/transpose`) });
};

/** PAD with constant paddings (rank × 2): zeros, on whichever copy exists. */
const pad: OpTranslator = (ctx) => {
  const x = variable(ctx, 0, 'input');
  const rank = x.shape.length;
  const p = ctx.constant(1) ?? ctx.fail('the paddings must be a constant');
  const v = toNumbers(p);
  if (v.length !== 2 * rank || v.some((d) => !Number.isInteger(d) || d < 0)) ctx.fail(`paddings ${fmt(v)} do not fit rank ${rank}`);
  const begin = Array.from({ length: rank }, (_, i) => v[2 * i]);
  const end = Array.from({ length: rank }, (_, i) => v[2 * i + 1]);
  const shape = x.shape.map((d, i) => (d === null ? null : d + begin[i] + end[i]));
  declared(ctx, shape);
  const { b } = ctx;
  if (x.nchw && !x.channelsFirst) {
    const perm = toFirstPerm(rank);
    const pads = b.ints(`${ctx.name}/pads`, [...perm.map((a) => begin[a]), ...perm.map((a) => end[a])]);
    return kt(shape, { nchw: b.node('Pad', [x.nchw, pads], { mode: 'constant' }, `${ctx.name}/pad`) });
  }
  const pads = b.ints(`${ctx.name}/pads`, [...begin, ...end]);
  return kt(shape, { keras: b.node('Pad', [b.asKeras(x, ctx.name), pads], { mode: 'constant' }, `${ctx.name}/pad`) }, x.channelsFirst);
};

/** CONCATENATION along an axis; on the channels-first copies when every input has one. */
const concatenation: OpTranslator = (ctx) => {
  const xs = ctx.op.inputs.map((_, i) => ctx.input(i));
  const rank = xs[0].shape.length;
  if (xs.some((x) => x.shape.length !== rank)) ctx.fail('the inputs have different ranks');
  const o = opt(ctx);
  const axis = normAxis(ctx, o.int(0), rank);
  declared(ctx, ctx.outShape);
  const { b } = ctx;
  let y: KTensor;
  if (rank >= 3 && xs.every((x) => x.nchw && !x.channelsFirst)) {
    y = kt(ctx.outShape, { nchw: b.node('Concat', xs.map((x) => x.nchw!), { axis: firstAxis(rank, axis) }, `${ctx.name}/concat`) });
  } else {
    y = kt(ctx.outShape, { keras: b.node('Concat', xs.map((x) => b.asKeras(x, ctx.name)), { axis }, `${ctx.name}/concat`) });
  }
  return fused(ctx, y, o.byte(1));
};

/** SOFTMAX over the last axis of softmax(beta·x). */
const softmax: OpTranslator = (ctx) => {
  let x = variable(ctx, 0, 'input');
  const beta = opt(ctx).float(0, 0);
  if (beta !== 1) x = elementwise(ctx, x, 'Mul', [ctx.b.scalar(`${ctx.name}/beta`, beta)], {}, `${ctx.name}/beta_times`);
  const rank = x.shape.length;
  if (x.nchw && !x.channelsFirst) return kt(x.shape, { nchw: ctx.b.node('Softmax', [x.nchw], { axis: 1 }, `${ctx.name}/softmax`) });
  return kt(x.shape, { keras: ctx.b.node('Softmax', [ctx.b.asKeras(x, ctx.name)], { axis: rank - 1 }, `${ctx.name}/softmax`) }, x.channelsFirst);
};

const activation = (opType: string): OpTranslator => (ctx) => elementwise(ctx, variable(ctx, 0, 'input'), opType);

/**
 * QUANTIZE and DEQUANTIZE convert between real values and their integer codes; in the
 * dequantised network Neurovis analyses both are the identity (a float16 constant's
 * DEQUANTIZE yields the constant itself).
 */
const identity: OpTranslator = (ctx) => ctx.input(0);

export const OP_TRANSLATORS: Readonly<Record<string, OpTranslator>> = {
  CONV_2D: conv2d,
  DEPTHWISE_CONV_2D: depthwise,
  FULLY_CONNECTED: fullyConnected,
  ADD: binary('Add'),
  MUL: binary('Mul'),
  AVERAGE_POOL_2D: pool('AveragePool'),
  MAX_POOL_2D: pool('MaxPool'),
  MEAN: mean,
  RESHAPE: reshape,
  SQUEEZE: reshape,
  PAD: pad,
  TRANSPOSE: transpose,
  CONCATENATION: concatenation,
  SOFTMAX: softmax,
  LOGISTIC: activation('Sigmoid'),
  TANH: activation('Tanh'),
  RELU: activation('Relu'),
  RELU6: (ctx) => clip(ctx, variable(ctx, 0, 'input'), 0, 6),
  RELU_N1_TO_1: (ctx) => clip(ctx, variable(ctx, 0, 'input'), -1, 1),
  HARD_SWISH: activation('HardSwish'),
  DEQUANTIZE: identity,
  QUANTIZE: identity,
};

/** Ops whose output is not a layer of its own: rearrangements and (de)quantisation. */
export const PASS_THROUGH: ReadonlySet<string> = new Set(['RESHAPE', 'SQUEEZE', 'PAD', 'TRANSPOSE', 'DEQUANTIZE', 'QUANTIZE']);
