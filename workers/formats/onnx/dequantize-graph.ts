import { attrNumber, attrTensor, ModelError, type GraphNode, type QuantizationInfo, type ValueInfo } from '../../engine/graph';
import { isRearrangement } from '../../engine/input-layout';
import { opFor } from '../../engine/ops/index';
import type { Tensor } from '../../engine/tensor';
import type { DecodedGraph } from './graph-proto';
import { QOPERATOR_RULES, type QuantRewriter } from './quant-ops';
import { dequantize, quantize, quantRange, type QuantRange } from './quant-values';
import { DT, onnxElementType } from './tensor-proto';

/** A quantised graph read as its float network (DESIGN.md §4: "its dequantised-weight network"). */
export interface DequantizedGraph {
  readonly nodes: GraphNode[];
  readonly initializers: Map<string, Tensor>;
  readonly inputs: ValueInfo[];
  readonly layerOps: Map<string, string | null>;
  readonly quantization: QuantizationInfo;
}

const QUANTIZE = new Set(['QuantizeLinear', 'com.microsoft.QuantizeLinear']);
const DEQUANTIZE = new Set(['DequantizeLinear', 'com.microsoft.DequantizeLinear']);

export function isQuantized(g: DecodedGraph): boolean {
  return g.nodes.some((n) => QUANTIZE.has(n.opType) || DEQUANTIZE.has(n.opType) || n.opType === 'DynamicQuantizeLinear' || QOPERATOR_RULES.has(n.opType));
}

/**
 * Rewrites a quantised ONNX graph, operator-oriented (QLinearConv …) or QDQ
 * (QuantizeLinear/DequantizeLinear around float ops), into float ops the engine has.
 * Every computed tensor holds real values, scale·(q − zero_point): weights are dequantised
 * (per tensor or per channel), a DequantizeLinear of a computed tensor is an Identity, and
 * each quantisation of a computed tensor is a Clip to the range its integers represent
 * (a uint8 output with zero point 0 is how the quantiser fuses a ReLU). Rounding between
 * layers is not modelled: activations agree with the model's runtime within quantisation error.
 */
export function dequantizeGraph(g: DecodedGraph, fileName: string, opset: number, notes: string[]): DequantizedGraph {
  const rw = new Rewrite(g, fileName, opset);
  for (const node of g.nodes) rw.rewrite(node);
  const inputs = g.inputs.map((i): ValueInfo => {
    const type = g.inputTypes.get(i.name);
    if (g.initializers.has(i.name) || type === undefined || !QUANTISED_INPUT.has(type)) return i;
    rw.activationTypes.add(quantRange(type, fileName).name);
    notes.push(`input "${i.name}" is ${quantRange(type, fileName).name} in the file; x* is in real units, scale·(q − zero_point)`);
    return { ...i, dtype: 'float32' };
  });
  notes.push(
    'quantised model: read as its float network with dequantised weights; each quantisation of an activation is a clip to its range, ' +
      'dequantisation is an identity, and rounding between layers is not modelled',
  );
  return { nodes: rw.nodes, initializers: rw.initializers, inputs, layerOps: rw.layerOps(g.outputs), quantization: rw.describe() };
}

const QUANTISED_INPUT = new Set<number>([DT.UINT8, DT.INT8, DT.UINT16, DT.INT16]);

interface Saturation {
  readonly input: string;
  readonly output: string;
}

class Rewrite implements QuantRewriter {
  readonly nodes: GraphNode[] = [];
  readonly initializers: Map<string, Tensor>;
  readonly activationTypes = new Set<string>();
  private readonly weightTypes = new Set<string>();
  private readonly constants = new Map<string, Tensor>();
  /** Element types of constants this rewrite quantised (QuantizeLinear of a float weight). */
  private readonly constantTypes = new Map<string, number>();
  private readonly computed = new Set<string>();
  private readonly dynamic = new Set<string>();
  private readonly names = new Set<string>();
  private readonly saturations: Saturation[] = [];
  /** Float nodes that stand for a quantised op, with that op's name for the layer. */
  private readonly labels = new Map<GraphNode, string>();
  private scheme: 'onnx-qoperator' | 'onnx-qdq' = 'onnx-qdq';

  constructor(
    private readonly g: DecodedGraph,
    private readonly fileName: string,
    private readonly opset: number,
  ) {
    this.initializers = new Map(g.initializers);
    for (const [name, t] of g.initializers) {
      this.constants.set(name, t);
      this.names.add(name);
    }
    for (const n of g.nodes) {
      for (const o of [...n.inputs, ...n.outputs]) this.names.add(o);
      const value = n.opType === 'Constant' ? attrTensor(n, 'value') : undefined;
      if (value && n.outputs[0]) this.constants.set(n.outputs[0], value);
    }
    for (const i of g.inputs) if (!g.initializers.has(i.name)) this.computed.add(i.name);
    markComputed(g.nodes, this.computed);
  }

  rewrite(node: GraphNode): void {
    const rule = QOPERATOR_RULES.get(node.opType);
    if (QUANTIZE.has(node.opType)) this.quantizeLinear(node);
    else if (DEQUANTIZE.has(node.opType)) this.dequantizeLinear(node);
    else if (node.opType === 'DynamicQuantizeLinear') this.dynamicQuantizeLinear(node);
    else if (rule) {
      this.scheme = 'onnx-qoperator';
      rule(node, this);
    } else this.nodes.push(node);
  }

  constant(name: string): Tensor | undefined {
    return name ? this.constants.get(name) : undefined;
  }

  isDynamic(name: string): boolean {
    return this.dynamic.has(name);
  }

  fresh(base: string): string {
    let name = `${base}.float`;
    for (let k = 2; this.names.has(name); k++) name = `${base}.float${k}`;
    this.names.add(name);
    return name;
  }

  addConstant(name: string, t: Tensor): void {
    this.constants.set(name, t);
    this.initializers.set(name, t);
  }

  push(node: GraphNode): void {
    this.nodes.push(node);
  }

  real(node: GraphNode, q: string, scale: string, zeroPoint: string, axis: number, role: 'weight' | 'bias' | 'activation'): string {
    const value = this.constant(q);
    if (!value) {
      if (!this.computed.has(q)) throw this.fail(node, `input "${q}" is neither a constant nor computed from the model's input`);
      return q;
    }
    const s = this.scalars(node, scale, 'scale');
    const zp = zeroPoint ? this.scalars(node, zeroPoint, 'zero point') : undefined;
    if (role === 'weight') this.noteWeight(q, value, s);
    const name = this.fresh(q);
    this.addConstant(name, dequantize(value, s, zp, axis, this.where(node)));
    return name;
  }

  centred(node: GraphNode, q: string, zeroPoint: string, axis: number): string {
    const value = this.constant(q)!;
    const one: Tensor = { dtype: 'float32', shape: [], data: new Float32Array([1]) };
    this.noteWeight(q, value, one);
    const name = this.fresh(q);
    this.addConstant(name, dequantize(value, one, zeroPoint ? this.scalars(node, zeroPoint, 'zero point') : undefined, axis, this.where(node)));
    return name;
  }

  emit(float: GraphNode, label: string, output: string, scale: string, zeroPoint: string): void {
    this.labels.set(float, label);
    this.nodes.push(float);
    this.saturate(float, float.outputs[0], output, scale, zeroPoint, undefined);
  }

  /** A Clip to the real values the output's integers represent: scale·(qmin − zp) … scale·(qmax − zp). */
  private saturate(node: GraphNode, input: string, output: string, scale: string, zeroPoint: string, declared: number | undefined): void {
    const range = this.rangeOf(node, zeroPoint, declared);
    this.activationTypes.add(range.name);
    const s = this.scalars(node, scale, 'scale');
    const zpTensor = zeroPoint ? this.scalars(node, zeroPoint, 'zero point') : undefined;
    const name = `${node.name}/saturation`;
    if (s.data.length !== 1) {
      // A per-channel activation range has no one Clip; its saturation is left out.
      this.nodes.push({ name, opType: 'Identity', inputs: [input], outputs: [output], attrs: {} });
      return;
    }
    const zp = zpTensor ? zpTensor.data[0] : 0;
    const lo = s.data[0] * (range.min - zp);
    const hi = s.data[0] * (range.max - zp);
    if (this.opset < 11) {
      this.nodes.push({ name, opType: 'Clip', inputs: [input], outputs: [output], attrs: { min: lo, max: hi } });
    } else {
      const bound = (suffix: string, v: number): string => {
        const n = this.fresh(`${output}.${suffix}`);
        this.addConstant(n, { dtype: 'float32', shape: [], data: new Float32Array([v]) });
        return n;
      };
      this.nodes.push({ name, opType: 'Clip', inputs: [input, bound('min', lo), bound('max', hi)], outputs: [output], attrs: {} });
    }
    this.saturations.push({ input, output });
  }

  private quantizeLinear(node: GraphNode): void {
    const [x, scale, zeroPoint = ''] = node.inputs;
    const declared = node.attrs.output_dtype === undefined ? undefined : attrNumber(node, 'output_dtype', 0);
    const value = this.constant(x);
    if (value && node.outputs[0]) {
      this.refuseBlocks(node);
      const range = this.rangeOf(node, zeroPoint, declared);
      const zp = zeroPoint ? this.scalars(node, zeroPoint, 'zero point') : undefined;
      const q = quantize(value, this.scalars(node, scale, 'scale'), zp, attrNumber(node, 'axis', 1), range, this.where(node));
      this.addConstant(node.outputs[0], q);
      this.constantTypes.set(node.outputs[0], zp ? (onnxElementType(zp) ?? DT.UINT8) : (declared ?? DT.UINT8));
      return;
    }
    this.saturate(node, x, node.outputs[0], scale, zeroPoint, declared);
  }

  private dequantizeLinear(node: GraphNode): void {
    const [x, scale, zeroPoint = ''] = node.inputs;
    const value = this.constant(x);
    if (!value) {
      if (!this.computed.has(x)) throw this.fail(node, `input "${x}" is neither a constant nor computed from the model's input`);
      this.nodes.push({ name: node.name, opType: 'Identity', inputs: [x], outputs: [node.outputs[0]], attrs: {} });
      return;
    }
    this.refuseBlocks(node);
    const s = this.scalars(node, scale, 'scale');
    const zp = zeroPoint ? this.scalars(node, zeroPoint, 'zero point') : undefined;
    if (value.shape.length >= 2) this.noteWeight(x, value, s);
    this.addConstant(node.outputs[0], dequantize(value, s, zp, attrNumber(node, 'axis', 1), this.where(node)));
  }

  /** Real values pass as they are; the scale this op computes is read as 1, its zero point as 0. */
  private dynamicQuantizeLinear(node: GraphNode): void {
    this.scheme = 'onnx-qoperator';
    const [y, scale, zeroPoint] = node.outputs;
    this.activationTypes.add('dynamic uint8');
    this.nodes.push({ name: node.name, opType: 'Identity', inputs: [node.inputs[0]], outputs: [y], attrs: {} });
    this.dynamic.add(y);
    if (scale) this.addConstant(scale, { dtype: 'float32', shape: [], data: new Float32Array([1]) });
    if (zeroPoint) this.addConstant(zeroPoint, { dtype: 'int64', shape: [], data: new Float64Array([0]) });
  }

  private refuseBlocks(node: GraphNode): void {
    if (attrNumber(node, 'block_size', 0) > 0) throw this.fail(node, 'blocked quantisation (block_size) is not supported');
  }

  /** The quantised type of an output: its zero point's, else the output_dtype attribute, else uint8. */
  private rangeOf(node: GraphNode, zeroPoint: string, declared: number | undefined): QuantRange {
    const zp = this.constant(zeroPoint);
    const type = zp ? (this.constantTypes.get(zeroPoint) ?? onnxElementType(zp)) : declared;
    return quantRange(type ?? DT.UINT8, this.where(node));
  }

  private scalars(node: GraphNode, name: string, what: string): Tensor {
    const t = this.constant(name);
    if (!t) throw this.fail(node, `the ${what} "${name}" must be a constant`);
    return t;
  }

  private noteWeight(name: string, value: Tensor, scale: Tensor): void {
    const type = this.constantTypes.get(name) ?? onnxElementType(value);
    const typeName = type === undefined ? 'integer' : quantRange(type, this.fileName).name;
    this.weightTypes.add(`${typeName} ${scale.data.length > 1 ? 'per-channel' : 'per-tensor'}`);
  }

  private where(node: GraphNode): string {
    return `${this.fileName}: node "${node.name}" (${node.opType})`;
  }

  private fail(node: GraphNode, message: string): ModelError {
    return new ModelError(`${this.where(node)}: ${message}`);
  }

  describe(): QuantizationInfo {
    const parts: string[] = [];
    if (this.activationTypes.size > 0) parts.push(`${[...this.activationTypes].sort().join(' and ')} activations`);
    if (this.weightTypes.size > 0) parts.push(`${[...this.weightTypes].sort().join(' and ')} weights`);
    return { scheme: this.scheme, description: parts.join(', ') || 'quantised' };
  }

  /**
   * A saturation belongs to the op it follows: the float value before it is not a layer of its
   * own, and the layer (the saturated value) shows the quantised op's name. A saturation after
   * the input or a rearrangement is no layer at all.
   */
  layerOps(outputs: readonly string[]): Map<string, string | null> {
    const producer = new Map<string, GraphNode>();
    const uses = new Map<string, number>();
    for (const n of this.nodes) {
      for (const o of n.outputs) producer.set(o, n);
      for (const i of n.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
    }
    for (const o of outputs) uses.set(o, (uses.get(o) ?? 0) + 1);
    const ops = new Map<string, string | null>();
    for (const s of this.saturations) {
      const p = producer.get(s.input);
      if (p && !rearranges(p) && uses.get(s.input) === 1) {
        ops.set(s.input, null);
        ops.set(s.output, this.labels.get(p) ?? p.opType);
      } else {
        ops.set(s.output, null);
      }
    }
    return ops;
  }
}

/** Moves values without computing (the layer rule's rearrangements, engine/prepare.ts). */
function rearranges(node: GraphNode): boolean {
  if (isRearrangement(node.opType)) return true;
  try {
    return opFor(node).kind === 'reshape';
  } catch {
    return false;
  }
}

/** Adds to `computed` every tensor that depends on one already in it (file order need not be topological). */
function markComputed(nodes: readonly GraphNode[], computed: Set<string>): void {
  for (let changed = true; changed; ) {
    changed = false;
    for (const n of nodes) {
      if (!n.inputs.some((i) => computed.has(i))) continue;
      for (const o of n.outputs) {
        if (o && !computed.has(o)) {
          computed.add(o);
          changed = true;
        }
      }
    }
  }
}
