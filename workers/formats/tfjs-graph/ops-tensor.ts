import { permute } from '../keras/weights';
import { activation, applyFusedOps } from './ops-conv';
import { channelConstant, checkNhwc, floatConstant, intsOf, TO_NCHW, TO_NHWC, type MultiOpTranslator, type OpContext, type OpTranslator, type Value } from './context';

/** A unary activation, in whichever layout its input already has (channels-first first). */
export function unary(op: string): OpTranslator {
  return (ctx) => {
    const v = ctx.value(0);
    if (v.nchw) return { nchw: activation(ctx, op, v.nchw) };
    return { nhwc: activation(ctx, op, ctx.nhwc(0)) };
  };
}

/**
 * Add, Sub, Mul, RealDiv, Maximum, Minimum with NumPy broadcasting. Two channels-first inputs
 * stay channels-first, and so does one with a scalar or per-channel constant.
 */
export function binary(opType: string): OpTranslator {
  return (ctx) => {
    if (ctx.inputCount !== 2) ctx.fail(`expects 2 inputs, got ${ctx.inputCount}`);
    if (ctx.node.op === 'BiasAdd') checkNhwc(ctx);
    const [x, y] = [ctx.value(0), ctx.value(1)];
    const base = `${ctx.name}/${opType.toLowerCase()}`;
    if (!x.constant && !y.constant && x.nchw && y.nchw) return { nchw: ctx.b.node(opType, [x.nchw, y.nchw], {}, base) };
    const k = x.constant ? 0 : y.constant ? 1 : -1;
    const other = k === 0 ? y : x;
    if (k >= 0 && !other.constant) {
      const clip = clipOf(ctx, opType, k);
      if (clip) return clip;
      const perChannel = other.nchw ? channelConstant(ctx.value(k).constant!, 'nchw') : undefined;
      if (other.nchw && perChannel) {
        const c = floatConstant(ctx.b, `${ctx.name}/${k === 0 ? 'x' : 'y'}`, perChannel);
        return { nchw: ctx.b.node(opType, k === 0 ? [c, other.nchw] : [other.nchw, c], {}, base) };
      }
    }
    return { nhwc: ctx.b.node(opType, [ctx.nhwc(0), ctx.nhwc(1)], {}, base) };
  };
}

/** Maximum/Minimum with a scalar constant: a clip (ReLU-like, so the surrogate modes treat it as one). */
function clipOf(ctx: OpContext, opType: string, k: number): Value | undefined {
  if (opType !== 'Max' && opType !== 'Min') return undefined;
  const c = ctx.value(k).constant!;
  if (c.data.length !== 1) return undefined;
  const v = ctx.value(1 - k);
  const bound = ctx.b.scalar(`${ctx.name}/${opType === 'Max' ? 'min' : 'max'}`, c.data[0]);
  const bounds = opType === 'Max' ? [bound] : ['', bound];
  if (v.nchw) return { nchw: ctx.b.node('Clip', [v.nchw, ...bounds], {}, `${ctx.name}/clip`) };
  return { nhwc: ctx.b.node('Clip', [ctx.nhwc(1 - k), ...bounds], {}, `${ctx.name}/clip`) };
}

/** MatMul and _FusedMatMul (BiasAdd and an activation): x·W with TF's transpose flags. */
export function matmul(fused: boolean): OpTranslator {
  return (ctx) => {
    const { b, name } = ctx;
    const operand = (i: number, transposed: boolean): string => {
      const c = ctx.value(i).constant;
      if (!transposed) return ctx.nhwc(i);
      if (c && c.shape.length === 2) {
        const t = permute(Float32Array.from(c.data), c.shape, [1, 0]);
        return b.floats(`${name}/${i === 0 ? 'a' : 'b'}_transposed`, t.shape, t.values);
      }
      return b.node('Transpose', [ctx.nhwc(i)], { perm: [1, 0] }, `${name}/transpose_${i === 0 ? 'a' : 'b'}`);
    };
    const a = operand(0, ctx.attrs.bool('transpose_a', false));
    const w = operand(1, ctx.attrs.bool('transpose_b', false));
    const y = b.node('MatMul', [a, w], {}, `${name}/matmul`);
    return { nhwc: fused ? applyFusedOps(ctx, y, 'nhwc', ctx.attrs.strings('fused_ops'), 2) : y };
  };
}

/** Mean over constant axes; channels-first when that leaves the kept axes in the same order. */
export const mean: OpTranslator = (ctx) => {
  const axes = intsOf(ctx, 1, 'reduction_indices');
  const keep = ctx.attrs.bool('keep_dims', false);
  const v = ctx.value(0);
  if (v.nchw) {
    const nhwcAxes = axes.map((a) => (a < 0 ? a + 4 : a));
    const nchwAxes = nhwcAxes.map((a) => TO_NHWC[a]);
    const kept = [0, 1, 2, 3].filter((a) => !nhwcAxes.includes(a)).map((a) => TO_NHWC[a]);
    const attrs = { axes: nchwAxes, keepdims: keep ? 1 : 0 };
    if (keep) return { nchw: ctx.b.node('ReduceMean', [v.nchw], attrs, `${ctx.name}/mean`) };
    if (kept.every((a, i) => i === 0 || a > kept[i - 1])) return { nhwc: ctx.b.node('ReduceMean', [v.nchw], attrs, `${ctx.name}/mean`) };
  }
  return { nhwc: ctx.b.node('ReduceMean', [ctx.nhwc(0)], { axes, keepdims: keep ? 1 : 0 }, `${ctx.name}/mean`) };
};

export function softmax(opType: 'Softmax' | 'LogSoftmax'): OpTranslator {
  return (ctx) => ({ nhwc: ctx.b.node(opType, [ctx.nhwc(0)], { axis: -1 }, `${ctx.name}/${opType.toLowerCase()}`) });
}

/** Sum over constant axes (ReduceSum takes them as an input from opset 13). */
export const sum: OpTranslator = (ctx) => {
  const axes = ctx.b.ints(`${ctx.name}/axes`, intsOf(ctx, 1, 'reduction_indices'));
  return { nhwc: ctx.b.node('ReduceSum', [ctx.nhwc(0), axes], { keepdims: ctx.attrs.bool('keep_dims', false) ? 1 : 0 }, `${ctx.name}/sum`) };
};

/** Max over the spatial axes of an NHWC tensor (Keras' GlobalMaxPooling2D): a global max pool. */
export const reduceMax: OpTranslator = (ctx) => {
  const axes = intsOf(ctx, 1, 'reduction_indices').map((a) => (a < 0 ? a + 4 : a)).sort();
  if (axes.join() !== '1,2') ctx.fail(`a maximum over axes [${axes.join(', ')}] is not supported (only over height and width)`);
  const y = ctx.b.node('GlobalMaxPool', [ctx.nchw(0)], {}, `${ctx.name}/global_max_pool`);
  if (ctx.attrs.bool('keep_dims', false)) return { nchw: y };
  return { nhwc: ctx.b.node('Flatten', [y], { axis: 1 }, `${ctx.name}/flatten`) };
};

/** AddN: the sum of its inputs. */
export const addN: OpTranslator = (ctx) => ({ nhwc: ctx.b.node('Sum', Array.from({ length: ctx.inputCount }, (_, i) => ctx.nhwc(i)), {}, `${ctx.name}/sum`) });

/** Neg, Abs and Square, elementwise in whichever layout the input has. */
export function elementwiseMath(op: 'Neg' | 'Abs' | 'Square'): OpTranslator {
  return (ctx) => {
    const v = ctx.value(0);
    const x = v.nchw ?? ctx.nhwc(0);
    const y = op === 'Square' ? ctx.b.node('Mul', [x, x], {}, `${ctx.name}/square`) : ctx.b.node(op, [x], {}, `${ctx.name}/${op.toLowerCase()}`);
    return v.nchw ? { nchw: y } : { nhwc: y };
  };
}

export const reshape: OpTranslator = (ctx) => ({ nhwc: ctx.b.node('Reshape', [ctx.nhwc(0), ctx.nhwc(1)], {}, `${ctx.name}/reshape`) });

export const squeeze: OpTranslator = (ctx) => {
  const axes = ctx.attrs.ints('squeeze_dims', ctx.attrs.ints('axis', []));
  const inputs = axes.length > 0 ? [ctx.nhwc(0), ctx.b.ints(`${ctx.name}/axes`, axes)] : [ctx.nhwc(0)];
  return { nhwc: ctx.b.node('Squeeze', inputs, {}, `${ctx.name}/squeeze`) };
};

export const expandDims: OpTranslator = (ctx) => ({
  nhwc: ctx.b.node('Unsqueeze', [ctx.nhwc(0), ctx.b.ints(`${ctx.name}/axes`, intsOf(ctx, 1, 'the axis'))], {}, `${ctx.name}/unsqueeze`),
});

/** Pad, PadV2 (a constant value) and MirrorPad REFLECT; paddings [[begin, end] per axis]. */
export const pad: OpTranslator = (ctx) => {
  const p = intsOf(ctx, 1, 'paddings');
  const rank = p.length / 2;
  let mode = 'constant';
  if (ctx.node.op === 'MirrorPad') {
    const m = ctx.attrs.string('mode', 'REFLECT');
    if (m !== 'REFLECT') ctx.fail(`mirror padding mode ${m} is not supported`);
    mode = 'reflect';
  }
  const extra = ctx.node.op === 'PadV2' ? [ctx.b.scalar(`${ctx.name}/value`, ctx.constant(2, 'the padding value').data[0])] : [];
  const v = ctx.value(0);
  const onnxPads = (axes: readonly number[]): number[] => [...axes.map((a) => p[2 * a]), ...axes.map((a) => p[2 * a + 1])];
  if (v.nchw && rank === 4) {
    return { nchw: ctx.b.node('Pad', [v.nchw, ctx.b.ints(`${ctx.name}/pads`, onnxPads(TO_NCHW)), ...extra], { mode }, `${ctx.name}/pad`) };
  }
  const axes = Array.from({ length: rank }, (_, i) => i);
  return { nhwc: ctx.b.node('Pad', [ctx.nhwc(0), ctx.b.ints(`${ctx.name}/pads`, onnxPads(axes)), ...extra], { mode }, `${ctx.name}/pad`) };
};

/** ConcatV2: the values, then the axis. */
export const concat: OpTranslator = (ctx) => {
  const n = ctx.inputCount - 1;
  const [axis] = intsOf(ctx, n, 'the axis');
  const values = Array.from({ length: n }, (_, i) => ctx.value(i));
  if (values.every((v) => v.nchw && !v.constant)) {
    return { nchw: ctx.b.node('Concat', values.map((v) => v.nchw!), { axis: TO_NHWC[axis < 0 ? axis + 4 : axis] }, `${ctx.name}/concat`) };
  }
  return { nhwc: ctx.b.node('Concat', values.map((_, i) => ctx.nhwc(i)), { axis }, `${ctx.name}/concat`) };
};

/** Pack (tf.stack): each value gains the axis, then they are concatenated along it. */
export const pack: OpTranslator = (ctx) => {
  const axis = ctx.attrs.int('axis', 0);
  const axes = ctx.b.ints(`${ctx.name}/axes`, [axis]);
  const parts = Array.from({ length: ctx.inputCount }, (_, i) => ctx.b.node('Unsqueeze', [ctx.nhwc(i), axes], {}, `${ctx.name}/unsqueeze`));
  return { nhwc: ctx.b.node('Concat', parts, { axis }, `${ctx.name}/concat`) };
};

export const shape: OpTranslator = (ctx) => ({ nhwc: ctx.b.node('Shape', [ctx.nhwc(0)], {}, `${ctx.name}/shape`) });

/**
 * StridedSlice with constant begin, end and strides: an ONNX Slice over every axis the spec
 * covers, then a Squeeze of the shrunk axes. Ellipsis and new axes are refused.
 */
export const stridedSlice: OpTranslator = (ctx) => {
  const begin = intsOf(ctx, 1, 'begin');
  const end = intsOf(ctx, 2, 'end');
  const strides = intsOf(ctx, 3, 'strides');
  if (ctx.attrs.int('ellipsis_mask', 0) !== 0 || ctx.attrs.int('new_axis_mask', 0) !== 0) ctx.fail('ellipsis and new-axis masks are not supported');
  const beginMask = ctx.attrs.int('begin_mask', 0);
  const endMask = ctx.attrs.int('end_mask', 0);
  const shrinkMask = ctx.attrs.int('shrink_axis_mask', 0);
  const BIG = 2 ** 31 - 1;
  const starts: number[] = [];
  const ends: number[] = [];
  const shrunk: number[] = [];
  begin.forEach((start, i) => {
    const step = strides[i] ?? 1;
    if (step === 0) ctx.fail('a stride is 0');
    const bit = 1 << i;
    if (shrinkMask & bit) {
      starts.push(start);
      ends.push(start === -1 ? BIG : start + 1);
      shrunk.push(i);
      return;
    }
    starts.push(beginMask & bit ? (step > 0 ? 0 : BIG) : start);
    ends.push(endMask & bit ? (step > 0 ? BIG : -BIG) : end[i]);
  });
  const axes = begin.map((_, i) => i);
  const { b, name } = ctx;
  const sliced = b.node('Slice', [ctx.nhwc(0), b.ints(`${name}/starts`, starts), b.ints(`${name}/ends`, ends), b.ints(`${name}/axes`, axes), b.ints(`${name}/steps`, strides)], {}, `${name}/slice`);
  if (shrunk.length === 0) return { nhwc: sliced };
  return { nhwc: b.node('Squeeze', [sliced, b.ints(`${name}/shrink_axes`, shrunk)], {}, `${name}/squeeze`) };
};

export const identity: OpTranslator = (ctx) => ctx.value(0);

/** Transpose by a constant permutation, in the model's layout. */
export const transpose: OpTranslator = (ctx) => ({
  nhwc: ctx.b.node('Transpose', [ctx.nhwc(0)], { perm: intsOf(ctx, 1, 'the permutation') }, `${ctx.name}/transpose`),
});

/** ONNX TensorProto data types of the TF types a Cast may target. */
const ONNX_TYPES: Readonly<Record<string, number>> = { DT_FLOAT: 1, DT_HALF: 10, DT_DOUBLE: 11, DT_INT32: 6, DT_INT64: 7, DT_INT16: 5, DT_INT8: 3, DT_UINT8: 2, DT_BOOL: 9 };

export const cast: OpTranslator = (ctx) => {
  const to = ctx.attrs.type('DstT');
  const onnx = ONNX_TYPES[to] ?? ctx.fail(`casting to ${to} is not supported`);
  return { nhwc: ctx.b.node('Cast', [ctx.nhwc(0)], { to: onnx }, `${ctx.name}/cast`) };
};

/** Prelu: max(x, 0) + alpha·min(x, 0) with alpha per channel. */
export const prelu: OpTranslator = (ctx) => {
  const v = ctx.value(0);
  const alpha = ctx.value(1).constant;
  const perChannel = alpha && v.nchw ? channelConstant(alpha, 'nchw') : undefined;
  if (v.nchw && perChannel) return { nchw: ctx.b.node('PRelu', [v.nchw, floatConstant(ctx.b, `${ctx.name}/alpha`, perChannel)], {}, `${ctx.name}/prelu`) };
  return { nhwc: ctx.b.node('PRelu', [ctx.nhwc(0), ctx.nhwc(1)], {}, `${ctx.name}/prelu`) };
};

/** Rsqrt and Sqrt (unfused batch normalisation computes 1/√(variance + ε) in the graph). */
export function root(reciprocal: boolean): OpTranslator {
  return (ctx) => {
    const y = ctx.b.node('Sqrt', [ctx.nhwc(0)], {}, `${ctx.name}/sqrt`);
    return { nhwc: reciprocal ? ctx.b.node('Reciprocal', [y], {}, `${ctx.name}/reciprocal`) : y };
  };
}

/** Split (axis, value) in num_split equal parts, SplitV (value, sizes, axis) in given sizes: ONNX Split. */
export function split(sized: boolean): MultiOpTranslator {
  return (ctx) => {
    const [axis] = intsOf(ctx, sized ? 2 : 0, 'the axis');
    const value = ctx.nhwc(sized ? 0 : 1);
    const count = sized ? ctx.constant(1, 'size_splits').data.length : ctx.attrs.int('num_split');
    const inputs = [value];
    if (sized) {
      const sizes = intsOf(ctx, 1, 'size_splits');
      if (sizes.some((s) => s < 0)) ctx.fail(`size_splits [${sizes.join(', ')}] leaves a size to infer, which is not supported`);
      inputs.push(ctx.b.ints(`${ctx.name}/sizes`, sizes));
    }
    if (!(count >= 1 && count <= 4096)) ctx.fail(`splits into ${count} parts`);
    return ctx.b.nodeWithOutputs('Split', inputs, { axis }, ctx.name, count).map((nhwc) => ({ nhwc }));
  };
}

/** Unpack (tf.unstack): num slices along the axis, each without it. */
export const unpack: MultiOpTranslator = (ctx) => {
  const axis = ctx.attrs.int('axis', 0);
  const count = ctx.attrs.int('num');
  if (!(count >= 1 && count <= 4096)) ctx.fail(`unpacks into ${count} parts`);
  const parts = ctx.b.nodeWithOutputs('Split', [ctx.nhwc(0)], { axis }, ctx.name, count);
  const axes = ctx.b.ints(`${ctx.name}/axes`, [axis]);
  return parts.map((p) => ({ nhwc: ctx.b.node('Squeeze', [p, axes], {}, `${ctx.name}/squeeze`) }));
};
