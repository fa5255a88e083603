import { ModelError, UnsupportedOpError, type ValueInfo } from '../../engine/graph';
import { floatTensor, intTensor, sizeOf, type Tensor } from '../../engine/tensor';
import { GraphBuilder } from '../keras/builder';
import type { TfjsWeights } from '../keras/tfjs-weights';
import { fail, TO_NCHW, TO_NHWC, type MultiOpTranslator, type OpContext, type OpTranslator, type Value } from './context';
import { isObject, type JsonObject } from '../keras/json';
import { Attrs, decodeBase64, producerOf, shapeProto, type TfNode } from './graphdef';
import { batchNorm, conv, convTranspose, pool } from './ops-conv';
import { addN, binary, cast, concat, elementwiseMath, expandDims, identity, matmul, mean, pack, pad, prelu, reduceMax, reshape, root, shape, softmax, split, squeeze, stridedSlice, sum, transpose, unary, unpack } from './ops-tensor';

const OPS: Readonly<Record<string, OpTranslator>> = {
  Conv2D: conv(false, false),
  _FusedConv2D: conv(false, true),
  DepthwiseConv2dNative: conv(true, false),
  DepthwiseConv2d: conv(true, false),
  FusedDepthwiseConv2dNative: conv(true, true),
  Conv2DBackpropInput: convTranspose,
  Conv2dTranspose: convTranspose,
  MaxPool: pool('MaxPool'),
  AvgPool: pool('AveragePool'),
  FusedBatchNorm: batchNorm,
  FusedBatchNormV2: batchNorm,
  FusedBatchNormV3: batchNorm,
  MatMul: matmul(false),
  _FusedMatMul: matmul(true),
  BiasAdd: binary('Add'),
  Add: binary('Add'),
  AddV2: binary('Add'),
  Sub: binary('Sub'),
  Mul: binary('Mul'),
  RealDiv: binary('Div'),
  Div: binary('Div'),
  Pow: binary('Pow'),
  AddN: addN,
  Neg: elementwiseMath('Neg'),
  Abs: elementwiseMath('Abs'),
  Square: elementwiseMath('Square'),
  Maximum: binary('Max'),
  Minimum: binary('Min'),
  Relu: unary('Relu'),
  Relu6: unary('Relu6'),
  Elu: unary('Elu'),
  Selu: unary('Selu'),
  LeakyRelu: unary('LeakyRelu'),
  Sigmoid: unary('Sigmoid'),
  Tanh: unary('Tanh'),
  Softplus: unary('Softplus'),
  Prelu: prelu,
  Sqrt: root(false),
  Rsqrt: root(true),
  Mean: mean,
  Sum: sum,
  Max: reduceMax,
  Softmax: softmax('Softmax'),
  LogSoftmax: softmax('LogSoftmax'),
  Reshape: reshape,
  Squeeze: squeeze,
  ExpandDims: expandDims,
  Pad: pad,
  PadV2: pad,
  MirrorPad: pad,
  ConcatV2: concat,
  Pack: pack,
  Shape: shape,
  StridedSlice: stridedSlice,
  Transpose: transpose,
  Cast: cast,
  Identity: identity,
  StopGradient: identity,
  Snapshot: identity,
};

/** Ops with several outputs; they only move values, so none is a layer. */
const MULTI_OPS: Readonly<Record<string, MultiOpTranslator>> = {
  Split: split(false),
  SplitV: split(true),
  Unpack: unpack,
};

/** Ops that only move or copy values: not layers of their own (DESIGN.md §2). */
const REARRANGEMENTS = new Set(['Reshape', 'Squeeze', 'ExpandDims', 'Pad', 'PadV2', 'MirrorPad', 'StridedSlice', 'Pack', 'Shape', 'Transpose', 'Cast', 'Identity', 'StopGradient', 'Snapshot']);

const DTYPES: Record<string, 'float' | 'int'> = { DT_FLOAT: 'float', DT_HALF: 'float', DT_DOUBLE: 'float', DT_INT32: 'int', DT_INT64: 'int', DT_INT16: 'int', DT_INT8: 'int', DT_UINT8: 'int', DT_BOOL: 'int' };

export interface Translation {
  readonly b: GraphBuilder;
  readonly inputs: ValueInfo[];
  readonly outputs: string[];
  readonly layerTensors: { tensor: string; name: string; op: string }[];
}

/** Translates the nodes that the outputs depend on, in dependency order, into engine nodes. */
export class GraphTranslator {
  readonly b = new GraphBuilder();
  readonly inputs: ValueInfo[] = [];
  readonly layerTensors: { tensor: string; name: string; op: string }[] = [];
  private readonly values = new Map<string, Value>();
  /** The TF name each value was made for: lazily made copies are named after it. */
  private readonly home = new Map<Value, string>();
  private readonly byName: Map<string, TfNode>;

  constructor(
    nodes: readonly TfNode[],
    private readonly weights: TfjsWeights,
    private readonly where: string,
    /** Input shapes stated by the model's signature, by node name. */
    private readonly signatureShapes: ReadonlyMap<string, (number | null)[]>,
  ) {
    this.byName = new Map(nodes.map((n) => [n.name, n]));
    this.b.reserve(nodes.map((n) => n.name));
  }

  run(outputRefs: readonly string[]): Translation {
    for (const node of this.order(outputRefs)) this.translate(node);
    const outputs = outputRefs.map((ref) => this.nhwcOf(ref));
    return { b: this.b, inputs: this.inputs, outputs, layerTensors: this.layerTensors };
  }

  /** The nodes the outputs depend on, each after its inputs: in the file's order when it allows. */
  private order(outputRefs: readonly string[]): TfNode[] {
    const needed = this.dependencies(outputRefs);
    const inFileOrder = [...this.byName.values()].filter((n) => needed.has(n));
    const done = new Set<string>();
    for (const n of inFileOrder) {
      if (n.inputs.some((ref) => !done.has(producerOf(ref)))) return [...needed];
      done.add(n.name);
    }
    return inFileOrder;
  }

  /** Depth-first, inputs before the nodes reading them. */
  private dependencies(outputRefs: readonly string[]): Set<TfNode> {
    const order = new Set<TfNode>();
    const state = new Map<string, 'open' | 'done'>();
    for (const ref of outputRefs) {
      const stack: { node: TfNode; next: number }[] = [{ node: this.nodeOf(ref, 'the model output'), next: 0 }];
      while (stack.length > 0) {
        const top = stack[stack.length - 1];
        if (top.next === 0) {
          if (state.get(top.node.name) === 'done') {
            stack.pop();
            continue;
          }
          state.set(top.node.name, 'open');
        }
        if (top.next < top.node.inputs.length) {
          const input = this.nodeOf(top.node.inputs[top.next++], `node "${top.node.name}"`);
          const s = state.get(input.name);
          if (s === 'open') throw new ModelError(`${this.where}: the graph has a cycle through node "${input.name}"`);
          if (s !== 'done') stack.push({ node: input, next: 0 });
        } else {
          state.set(top.node.name, 'done');
          order.add(top.node);
          stack.pop();
        }
      }
    }
    return order;
  }

  private nodeOf(ref: string, reader: string): TfNode {
    const node = this.byName.get(producerOf(ref));
    if (!node) throw new ModelError(`${this.where}: ${reader} reads "${ref}", which no node produces`);
    return node;
  }

  private translate(node: TfNode): void {
    const where = `${this.where}: node "${node.name}" (${node.op})`;
    const attrs = new Attrs(node, where);
    if (node.op === 'Const') return this.define(node.name, { constant: this.constantOf(node, attrs) });
    if (node.op === 'Placeholder') return this.define(node.name, this.placeholder(node, attrs));
    const multi = MULTI_OPS[node.op];
    if (multi) {
      multi(this.context(node, attrs, where)).forEach((v, k) => this.define(k === 0 ? node.name : `${node.name}:${k}`, v));
      return;
    }
    const translator = OPS[node.op];
    if (!translator) throw new UnsupportedOpError(node.op, node.name, `${this.where} (TF.js graph model)`);
    const mark = this.b.mark;
    const result = translator(this.context(node, attrs, where));
    if (this.home.has(result)) {
      this.values.set(node.name, result); // an alias (Identity)
      return;
    }
    this.define(node.name, result);
    if (REARRANGEMENTS.has(node.op)) return;
    if (result.nhwc) result.nhwc = this.b.nameTensor(result.nhwc, node.name, mark);
    else result.nhwc = this.b.namedNode('Transpose', [result.nchw!], { perm: TO_NHWC }, node.name);
    this.layerTensors.push({ tensor: result.nhwc, name: node.name, op: node.op });
  }

  private define(name: string, value: Value): void {
    this.values.set(name, value);
    this.home.set(value, name);
  }

  private context(node: TfNode, attrs: Attrs, where: string): OpContext {
    const valueAt = (i: number): Value => {
      const ref = node.inputs[i];
      if (ref === undefined) return fail(where, `input ${i} is missing`);
      const v = this.values.get(ref);
      if (!v) return fail(where, `reads "${ref}", an output Neurovis does not compute`);
      return v;
    };
    return {
      node,
      attrs,
      b: this.b,
      name: node.name,
      inputCount: node.inputs.length,
      value: valueAt,
      nhwc: (i) => this.nhwcOf(node.inputs[i] ?? fail(where, `input ${i} is missing`)),
      nchw: (i) => this.nchwOf(valueAt(i)),
      constant: (i, what) => valueAt(i).constant ?? fail(where, `${what} must be a constant; it is computed by node "${producerOf(node.inputs[i])}"`),
      fail: (message) => fail(where, message),
    };
  }

  /** A value in the model's layout, made on first use (initializer, or transpose of the NCHW copy). */
  private nhwcOf(ref: string): string {
    const v = this.values.get(ref) ?? fail(this.where, `"${ref}" is not computed`);
    if (v.nhwc) return v.nhwc;
    const name = this.home.get(v)!;
    if (v.constant) {
      this.b.markUsed(name);
      this.b.initializers.set(name, v.constant);
      v.nhwc = name;
    } else {
      v.nhwc = this.b.namedNode('Transpose', [v.nchw!], { perm: TO_NHWC }, name);
    }
    return v.nhwc;
  }

  private nchwOf(v: Value): string {
    if (v.nchw) return v.nchw;
    const name = this.home.get(v)!;
    v.nchw = this.b.node('Transpose', [this.nhwcOf(name)], { perm: TO_NCHW }, `${name}/nchw`);
    return v.nchw;
  }

  private placeholder(node: TfNode, attrs: Attrs): Value {
    const dims = attrs.shape('shape') ?? this.signatureShapes.get(node.name);
    if (!dims || dims.length === 0) throw new ModelError(`${this.where}: input "${node.name}" declares no shape`);
    const dtype = attrs.has('dtype') ? attrs.type('dtype') : 'DT_FLOAT';
    if (DTYPES[dtype] !== 'float') throw new ModelError(`${this.where}: input "${node.name}" is ${dtype}; Neurovis reverses models with a floating-point input`);
    this.inputs.push({ name: node.name, dims: dims.map((d, i) => (i === 0 && dims.length >= 2 ? null : d)), dtype: 'float32' });
    this.b.markUsed(node.name);
    return { nhwc: node.name };
  }

  /** A Const's value: from the weight shards (where the converter puts them) or inline. */
  private constantOf(node: TfNode, attrs: Attrs): Tensor {
    const proto = attrs.tensor('value');
    const dtype = typeof proto?.dtype === 'string' ? proto.dtype : attrs.has('dtype') ? attrs.type('dtype') : 'DT_FLOAT';
    const kind = DTYPES[dtype] ?? fail(attrs.where, `constants of type ${dtype} are not supported`);
    const stored = this.weights.byName(node.name);
    if (stored) {
      const values = stored.array.read();
      return kind === 'int' || stored.dtype === 'int32' || stored.dtype === 'bool' ? intTensor(stored.array.shape, values) : floatTensor(stored.array.shape, Float32Array.from(values));
    }
    return inlineTensor(proto, kind, attrs);
  }
}

/** A TensorProto written in the graph itself (small constants the converter left inline). */
function inlineTensor(proto: JsonObject | undefined, kind: 'float' | 'int', attrs: Attrs): Tensor {
  const dims = (isObject(proto?.tensorShape) ? shapeProto(proto.tensorShape) : []) ?? [];
  if (dims.some((d) => d === null)) return fail(attrs.where, 'the constant has an unknown shape');
  const shape = dims as number[];
  const n = sizeOf(shape);
  if (n > 1 << 24) return fail(attrs.where, `the constant declares shape [${shape.join(', ')}]`);
  let values: number[];
  const content = proto?.tensorContent;
  if (typeof content === 'string') {
    const bytes = decodeBase64(content);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const width = bytes.length / Math.max(n, 1);
    if (width !== 4 && width !== 8) return fail(attrs.where, `the constant holds ${bytes.length} bytes for ${n} values`);
    const at = (i: number): number => {
      if (kind === 'float') return width === 4 ? view.getFloat32(4 * i, true) : view.getFloat64(8 * i, true);
      return width === 4 ? view.getInt32(4 * i, true) : Number(view.getBigInt64(8 * i, true));
    };
    values = Array.from({ length: n }, (_, i) => at(i));
  } else {
    const list = [proto?.floatVal, proto?.intVal, proto?.int64Val, proto?.doubleVal, proto?.boolVal].find((l) => Array.isArray(l));
    if (!Array.isArray(list)) return fail(attrs.where, 'the constant has no value in the weights or in the graph');
    const given = list.map(Number);
    // A TensorProto may give fewer values than its shape holds: the last one repeats.
    values = Array.from({ length: n }, (_, i) => given[Math.min(i, given.length - 1)] ?? 0);
  }
  return kind === 'int' ? intTensor(shape, values) : floatTensor(shape, Float32Array.from(values));
}
