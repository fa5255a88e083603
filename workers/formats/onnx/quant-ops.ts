import { attrNumber, ModelError, UnsupportedOpError, type AttrValue, type GraphNode } from '../../engine/graph';
import type { Tensor } from '../../engine/tensor';

/**
 * What a quantised op's rule needs from the rewrite (dequantise-graph.ts): real-valued
 * operands, float nodes, and the saturation that stands for the op's output quantisation.
 */
export interface QuantRewriter {
  /** The value of a constant (initializer or Constant node), or undefined for a computed tensor. */
  constant(name: string): Tensor | undefined;
  /**
   * A float tensor holding the real value of a quantised operand: a computed tensor already
   * holds real values; a constant is dequantised (per `axis` when its scale is a vector).
   */
  real(node: GraphNode, q: string, scale: string, zeroPoint: string, axis: number, role: 'weight' | 'bias' | 'activation'): string;
  /** Adds a float constant under a new name. */
  addConstant(name: string, t: Tensor): void;
  /** A constant of integers dequantised with scale 1 (ConvInteger, MatMulInteger weights). */
  centred(node: GraphNode, q: string, zeroPoint: string, axis: number): string;
  /** Adds `float node → saturation(y_scale, y_zero_point) → output`. */
  emit(float: GraphNode, label: string, output: string, scale: string, zeroPoint: string): void;
  /** Adds a node as it is (its output needs no saturation). */
  push(node: GraphNode): void;
  /** A new tensor name derived from `base`. */
  fresh(base: string): string;
  /** Whether a computed tensor comes from a DynamicQuantizeLinear (real values, its scale is read as 1). */
  isDynamic(name: string): boolean;
}

type Rule = (node: GraphNode, r: QuantRewriter) => void;

const input = (node: GraphNode, i: number): string => node.inputs[i] ?? '';

function floatNode(node: GraphNode, opType: string, inputs: string[], output: string, attrs: Record<string, AttrValue> = {}): GraphNode {
  return { name: node.name, opType, inputs, outputs: [output], attrs };
}

/** Attributes of a contrib pooling op, without `channels_last`, which Neurovis does not read. */
function poolAttrs(node: GraphNode): Record<string, AttrValue> {
  if (attrNumber(node, 'channels_last', 0) !== 0) throw new UnsupportedOpError(node.opType, node.name, 'channels_last=1 is not supported');
  const { channels_last: _unused, ...rest } = node.attrs;
  return rest;
}

/** QLinearConv (Operators.md): x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B (int32, scale x_scale·w_scale). */
const qlinearConv: Rule = (node, r) => {
  const x = r.real(node, input(node, 0), input(node, 1), input(node, 2), 1, 'activation');
  const w = r.real(node, input(node, 3), input(node, 4), input(node, 5), 0, 'weight');
  const inputs = [x, w];
  if (input(node, 8)) inputs.push(realBias(node, r, input(node, 8), input(node, 1), input(node, 4), 1));
  const t = r.fresh(node.outputs[0]);
  r.emit(floatNode(node, 'Conv', inputs, t, node.attrs), 'QLinearConv', node.outputs[0], input(node, 6), input(node, 7));
};

/**
 * The int32 bias of a quantised product, dequantised with scale factor · x_scale · w_scale (per
 * output channel when w_scale is) and zero point 0.
 */
function realBias(node: GraphNode, r: QuantRewriter, bias: string, xScaleName: string, wScaleName: string, factor: number): string {
  const xScale = r.constant(xScaleName);
  const wScale = r.constant(wScaleName);
  if (!xScale || !wScale || xScale.data.length !== 1) throw new ModelError(`node "${node.name}" (${node.opType}): the bias needs constant scales`);
  const scale = r.fresh(`${bias}_scale`);
  r.addConstant(scale, { dtype: 'float32', shape: [...wScale.shape], data: Float32Array.from(wScale.data, (s) => s * factor * xScale.data[0]) });
  return r.real(node, bias, scale, '', 0, 'bias');
}

/**
 * com.microsoft QGemm: A, a_scale, a_zp, B, b_scale, b_zp, C (int32, scale alpha·a_scale·b_scale),
 * y_scale, y_zp; without y_scale the output is float. b's scale may be per output column.
 */
const qgemm: Rule = (node, r) => {
  const transB = attrNumber(node, 'transB', 0);
  const alpha = attrNumber(node, 'alpha', 1);
  const a = r.real(node, input(node, 0), input(node, 1), input(node, 2), -2, 'activation');
  const b = r.real(node, input(node, 3), input(node, 4), input(node, 5), transB ? 0 : -1, 'weight');
  const inputs = [a, b];
  if (input(node, 6)) inputs.push(realBias(node, r, input(node, 6), input(node, 1), input(node, 4), alpha));
  const attrs = { alpha, beta: 1, transA: attrNumber(node, 'transA', 0), transB };
  const yScale = input(node, 7);
  if (!yScale) {
    r.push(floatNode(node, 'Gemm', inputs, node.outputs[0], attrs));
    return;
  }
  const t = r.fresh(node.outputs[0]);
  r.emit(floatNode(node, 'Gemm', inputs, t, attrs), 'QGemm', node.outputs[0], yScale, input(node, 8));
};

/** QLinearMatMul: a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp; b's scale may be per column. */
const qlinearMatMul: Rule = (node, r) => {
  const a = r.real(node, input(node, 0), input(node, 1), input(node, 2), -2, 'activation');
  const b = r.real(node, input(node, 3), input(node, 4), input(node, 5), -1, 'weight');
  const t = r.fresh(node.outputs[0]);
  r.emit(floatNode(node, 'MatMul', [a, b], t), 'QLinearMatMul', node.outputs[0], input(node, 6), input(node, 7));
};

/** com.microsoft QLinearAdd / QLinearMul: A, A_scale, A_zp, B, B_scale, B_zp, C_scale, C_zp. */
function qlinearBinary(opType: 'Add' | 'Mul'): Rule {
  return (node, r) => {
    const a = r.real(node, input(node, 0), input(node, 1), input(node, 2), 0, 'activation');
    const b = r.real(node, input(node, 3), input(node, 4), input(node, 5), 0, 'activation');
    const t = r.fresh(node.outputs[0]);
    r.emit(floatNode(node, opType, [a, b], t), `QLinear${opType}`, node.outputs[0], input(node, 6), input(node, 7));
  };
}

/** com.microsoft unary ops: X, X_scale, X_zp, Y_scale, Y_zp. */
function qlinearUnary(opType: string, label: string, attrs: (node: GraphNode) => Record<string, AttrValue>): Rule {
  return (node, r) => {
    const x = r.real(node, input(node, 0), input(node, 1), input(node, 2), 0, 'activation');
    const t = r.fresh(node.outputs[0]);
    r.emit(floatNode(node, opType, [x], t, attrs(node)), label, node.outputs[0], input(node, 3), input(node, 4));
  };
}

/** com.microsoft QLinearConcat: Y_scale, Y_zp, then (X, X_scale, X_zp) per input. */
const qlinearConcat: Rule = (node, r) => {
  if (node.inputs.length < 5 || (node.inputs.length - 2) % 3 !== 0) {
    throw new ModelError(`node "${node.name}" (${node.opType}): expects Y_scale, Y_zero_point and (X, X_scale, X_zero_point) triples, has ${node.inputs.length} inputs`);
  }
  const xs: string[] = [];
  for (let i = 2; i < node.inputs.length; i += 3) xs.push(r.real(node, input(node, i), input(node, i + 1), input(node, i + 2), 0, 'activation'));
  const t = r.fresh(node.outputs[0]);
  r.emit(floatNode(node, 'Concat', xs, t, { axis: attrNumber(node, 'axis', 0) }), 'QLinearConcat', node.outputs[0], input(node, 0), input(node, 1));
};

/** The integer operand of ConvInteger/MatMulInteger: a DynamicQuantizeLinear output, or a constant. */
function integerOperand(node: GraphNode, r: QuantRewriter, q: string, zeroPoint: string, axis: number): string {
  if (r.constant(q)) return r.centred(node, q, zeroPoint, axis);
  if (r.isDynamic(q)) return q;
  throw new UnsupportedOpError(node.opType, node.name, `"${q}" does not come from a DynamicQuantizeLinear, so its scale is unknown`);
}

/** ConvInteger: x, w, x_zp, w_zp; int32 output, rescaled by the graph's own Mul that follows. */
const convInteger: Rule = (node, r) => {
  const x = integerOperand(node, r, input(node, 0), input(node, 2), 1);
  const w = integerOperand(node, r, input(node, 1), input(node, 3), 0);
  r.push(floatNode(node, 'Conv', [x, w], node.outputs[0], node.attrs));
};

/** MatMulInteger: A, B, a_zp, b_zp (b_zp may be per column). */
const matMulInteger: Rule = (node, r) => {
  const a = integerOperand(node, r, input(node, 0), input(node, 2), -2);
  const b = integerOperand(node, r, input(node, 1), input(node, 3), -1);
  r.push(floatNode(node, 'MatMul', [a, b], node.outputs[0]));
};

/** Rules of the operator-oriented (QOperator) form, by the reader's qualified op type. */
export const QOPERATOR_RULES: ReadonlyMap<string, Rule> = new Map<string, Rule>([
  ['QLinearConv', qlinearConv],
  ['QLinearMatMul', qlinearMatMul],
  ['com.microsoft.QGemm', qgemm],
  ['com.microsoft.QLinearAdd', qlinearBinary('Add')],
  ['com.microsoft.QLinearMul', qlinearBinary('Mul')],
  ['com.microsoft.QLinearAveragePool', qlinearUnary('AveragePool', 'QLinearAveragePool', poolAttrs)],
  ['com.microsoft.QLinearGlobalAveragePool', qlinearUnary('GlobalAveragePool', 'QLinearGlobalAveragePool', (n) => (poolAttrs(n), {}))],
  ['com.microsoft.QLinearSigmoid', qlinearUnary('Sigmoid', 'QLinearSigmoid', () => ({}))],
  ['com.microsoft.QLinearLeakyRelu', qlinearUnary('LeakyRelu', 'QLinearLeakyRelu', (n) => ({ alpha: attrNumber(n, 'alpha', 0.01) }))],
  ['com.microsoft.QLinearConcat', qlinearConcat],
  ['ConvInteger', convInteger],
  ['MatMulInteger', matMulInteger],
]);
