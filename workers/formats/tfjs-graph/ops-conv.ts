import { permute } from '../keras/weights';
import { channelConstant, checkNhwc, floatConstant, intsOf, paddingAttrs, spatialPair, type OpContext, type OpTranslator } from './context';

/**
 * The ops TF's grappler fuses into a convolution or matrix product (`fused_ops`), applied in
 * order to `y`; their arguments are the node's inputs from `firstArg` on. TF.js emits
 * BiasAdd followed by at most one activation; FusedBatchNorm and Add are what TF itself fuses.
 */
export function applyFusedOps(ctx: OpContext, y: string, layout: 'nchw' | 'nhwc', ops: readonly string[], firstArg: number): string {
  const { b, name } = ctx;
  let arg = firstArg;
  const perChannel = (what: string): string => {
    const t = channelConstant(ctx.constant(arg++, what), layout) ?? ctx.fail(`${what} is not one value per channel`);
    return floatConstant(b, `${name}/${what.replace(/\W+/g, '_')}`, t);
  };
  for (const op of ops) {
    switch (op) {
      case 'BiasAdd':
        y = b.node('Add', [y, perChannel('bias')], {}, `${name}/bias_add`);
        break;
      case 'FusedBatchNorm': {
        if (layout !== 'nchw') ctx.fail('a fused batch normalisation needs a 4-D input');
        const args = ['scale', 'offset', 'mean', 'variance'].map((what) => floatConstant(b, `${name}/${what}`, ctx.constant(arg++, `the batch normalisation ${what}`)));
        y = b.node('BatchNormalization', [y, ...args], { epsilon: ctx.attrs.float('epsilon', 1e-4) }, `${name}/batch_norm`);
        break;
      }
      case 'Add':
        y = b.node('Add', [y, layout === 'nchw' ? ctx.nchw(arg++) : ctx.nhwc(arg++)], {}, `${name}/add`);
        break;
      case 'Prelu':
        y = b.node('PRelu', [y, perChannel('prelu alpha')], {}, `${name}/prelu`);
        break;
      default:
        y = activation(ctx, op, y) ?? ctx.fail(`fused op ${op} is not supported`);
    }
  }
  return y;
}

/** An activation TF names in fused_ops or as an op of its own, on tensor `x`; undefined if unknown. */
export function activation(ctx: OpContext, op: string, x: string): string | undefined {
  const { b, name } = ctx;
  const lower = op.toLowerCase();
  switch (lower) {
    case 'relu':
      return b.node('Relu', [x], {}, `${name}/relu`);
    case 'relu6':
      return b.node('Clip', [x, b.scalar(`${name}/zero`, 0), b.scalar(`${name}/six`, 6)], {}, `${name}/relu6`);
    case 'elu':
      return b.node('Elu', [x], { alpha: 1 }, `${name}/elu`);
    case 'selu':
      return b.node('Selu', [x], {}, `${name}/selu`);
    case 'leakyrelu':
      return b.node('LeakyRelu', [x], { alpha: ctx.attrs.float(ctx.attrs.has('leakyrelu_alpha') ? 'leakyrelu_alpha' : 'alpha', 0.2) }, `${name}/leaky_relu`);
    case 'sigmoid':
      return b.node('Sigmoid', [x], {}, `${name}/sigmoid`);
    case 'tanh':
      return b.node('Tanh', [x], {}, `${name}/tanh`);
    case 'softplus':
      return b.node('Softplus', [x], {}, `${name}/softplus`);
    default:
      return undefined;
  }
}

/**
 * Conv2D and DepthwiseConv2dNative (and their fused forms): the HWIO filter becomes ONNX's
 * OIHW; a depthwise filter (h, w, in, multiplier) becomes a group convolution with
 * in·multiplier outputs, output channel c·multiplier + m as TF orders them.
 */
export function conv(depthwise: boolean, fused: boolean): OpTranslator {
  return (ctx) => {
    checkNhwc(ctx);
    const { b, name } = ctx;
    const filter = ctx.constant(1, 'the filter');
    if (filter.shape.length !== 4) ctx.fail(`the filter has shape [${filter.shape.join(', ')}]; [height, width, in, out] expected`);
    const [kh, kw, cin, cout] = filter.shape;
    const values = Float32Array.from(filter.data);
    const W = depthwise ? { shape: [cin * cout, 1, kh, kw], values: permute(values, filter.shape, [2, 3, 0, 1]).values } : permute(values, filter.shape, [3, 2, 0, 1]);
    const ops = fused ? ctx.attrs.strings('fused_ops') : [];
    const inputs = [ctx.nchw(0), b.floats(`${name}/filter`, W.shape, W.values)];
    let firstArg = 2;
    if (ops[0] === 'BiasAdd') {
      inputs.push(floatConstant(b, `${name}/bias`, ctx.constant(2, 'the bias')));
      firstArg = 3;
    }
    const attrs = { kernel_shape: [kh, kw], strides: spatialPair(ctx, 'strides', 1), dilations: spatialPair(ctx, 'dilations', 1), group: depthwise ? cin : 1, ...paddingAttrs(ctx) };
    const y = b.node('Conv', inputs, attrs, `${name}/${depthwise ? 'depthwise' : 'conv'}`);
    return { nchw: applyFusedOps(ctx, y, 'nchw', firstArg === 3 ? ops.slice(1) : ops, firstArg) };
  };
}

/**
 * Conv2DBackpropInput, the transposed convolution: (input_sizes, filter, x). The filter
 * (h, w, out, in) is that of the forward convolution from the result to x, so ONNX's
 * ConvTranspose weights (in, out, h, w) are its transpose. The result has input_sizes: SAME
 * pads as the forward convolution would (extra pixel at the end); VALID puts the rows the
 * stride leaves over at the end (output_padding).
 */
export const convTranspose: OpTranslator = (ctx) => {
  checkNhwc(ctx);
  const sizes = intsOf(ctx, 0, 'input_sizes');
  const filter = ctx.constant(1, 'the filter');
  if (sizes.length !== 4 || filter.shape.length !== 4) ctx.fail(`input_sizes [${sizes.join(', ')}] and filter [${filter.shape.join(', ')}] must both have 4 values`);
  const [kh, kw] = filter.shape;
  const W = permute(Float32Array.from(filter.data), filter.shape, [3, 2, 0, 1]);
  const strides = spatialPair(ctx, 'strides', 1);
  const dilations = spatialPair(ctx, 'dilations', 1);
  const out = [sizes[1], sizes[2]];
  const padding = ctx.attrs.string('padding', 'VALID');
  let geometry: Record<string, number[] | string>;
  if (padding === 'SAME') {
    geometry = { output_shape: out, auto_pad: 'SAME_UPPER' };
  } else if (padding === 'VALID') {
    const extent = [kh, kw].map((k, i) => (k - 1) * dilations[i] + 1);
    const natural = out.map((o, i) => strides[i] * Math.floor((o - extent[i]) / strides[i]) + extent[i]);
    geometry = { pads: [0, 0, 0, 0], output_padding: out.map((o, i) => o - natural[i]) };
  } else {
    return ctx.fail(`padding "${padding}" is not supported for a transposed convolution`);
  }
  const attrs = { kernel_shape: [kh, kw], strides, dilations, group: 1, ...geometry };
  return { nchw: ctx.b.node('ConvTranspose', [ctx.nchw(2), ctx.b.floats(`${ctx.name}/filter`, W.shape, W.values)], attrs, `${ctx.name}/conv_transpose`) };
};

/** MaxPool and AvgPool; TF's average over a SAME window excludes the padding (count_include_pad 0). */
export function pool(opType: 'MaxPool' | 'AveragePool'): OpTranslator {
  return (ctx) => {
    checkNhwc(ctx);
    const attrs: Record<string, number | number[] | string> = { kernel_shape: spatialPair(ctx, 'ksize', 1), strides: spatialPair(ctx, 'strides', 1), ...paddingAttrs(ctx) };
    if (opType === 'AveragePool') attrs.count_include_pad = 0;
    return { nchw: ctx.b.node(opType, [ctx.nchw(0)], attrs, `${ctx.name}/${opType === 'MaxPool' ? 'max_pool' : 'avg_pool'}`) };
  };
}

/** FusedBatchNorm(V2, V3) in inference mode: (x − mean)/√(variance + ε)·scale + offset per channel. */
export const batchNorm: OpTranslator = (ctx) => {
  checkNhwc(ctx);
  if (ctx.attrs.bool('is_training', false)) ctx.fail('batch normalisation in training mode (statistics of the batch) is not supported');
  return { nchw: applyFusedOps(ctx, ctx.nchw(0), 'nchw', ['FusedBatchNorm'], 1) };
};
