import { ModelError, type AttrValue, type Graph, type GraphNode, type ModelSource, type ValueInfo } from '../../engine/graph';
import type { Tensor } from '../../engine/tensor';
import { engineDType, readTensorRecord, tensorFromRecord, type TensorSource } from './tensor-proto';
import { WIRE_FIXED32, WIRE_LENGTH, WireReader } from './wire';

/** Graphs nest through attributes (If, Loop, Scan); a file nesting deeper than this is refused. */
const MAX_GRAPH_DEPTH = 16;

export interface DecodeContext {
  readonly src: TensorSource;
  readonly source: ModelSource;
  /** Messages for the user about what was read but not used. */
  readonly notes: string[];
}

/** A GraphProto with its initializers decoded; inputs include every declared input. */
export interface DecodedGraph {
  readonly nodes: GraphNode[];
  readonly initializers: Map<string, Tensor>;
  readonly inputs: ValueInfo[];
  readonly outputs: string[];
  /** The ONNX element type of each declared input. */
  readonly inputTypes: Map<string, number>;
}

export function readGraph(r: WireReader, ctx: DecodeContext, depth = 0): DecodedGraph {
  if (depth > MAX_GRAPH_DEPTH) throw new ModelError(`${ctx.src.fileName}: graphs nest more than ${MAX_GRAPH_DEPTH} levels deep`);
  const nodes: GraphNode[] = [];
  const initializers = new Map<string, Tensor>();
  const inputs: ValueInfo[] = [];
  const outputs: string[] = [];
  const inputTypes = new Map<string, number>();
  const usedNames = new Set<string>();
  while (!r.done()) {
    const key = r.tag();
    switch (key >>> 3) {
      case 1:
        if ((key & 7) !== WIRE_LENGTH) throw r.fail('a graph node is not a message');
        nodes.push(readNode(r.message(), ctx, depth, nodes.length, usedNames));
        break;
      case 5: {
        if ((key & 7) !== WIRE_LENGTH) throw r.fail('an initializer is not a message');
        const rec = readTensorRecord(r.message());
        initializers.set(rec.name, tensorFromRecord(rec, ctx.src));
        break;
      }
      case 11: {
        if ((key & 7) !== WIRE_LENGTH) throw r.fail('a graph input is not a message');
        const input = readValueInfo(r.message());
        if (input.dims === undefined) ctx.notes.push(`input "${input.name}" declares no tensor shape`);
        inputs.push({ name: input.name, dims: input.dims ?? [], dtype: engineDType(input.elemType) });
        inputTypes.set(input.name, input.elemType);
        break;
      }
      case 12:
        if ((key & 7) !== WIRE_LENGTH) throw r.fail('a graph output is not a message');
        outputs.push(readValueInfo(r.message()).name);
        break;
      case 15: {
        if ((key & 7) !== WIRE_LENGTH) throw r.fail('a sparse initializer is not a message');
        const sparse = readSparseTensor(r.message(), ctx);
        initializers.set(sparse.name, sparse.tensor);
        break;
      }
      default:
        r.skip(key & 7);
    }
  }
  return { nodes, initializers, inputs, outputs, inputTypes };
}

/** Turns a decoded subgraph (an If/Loop body) into the engine's Graph. */
function toGraph(g: DecodedGraph, ctx: DecodeContext): Graph {
  return {
    inputs: g.inputs.filter((i) => !g.initializers.has(i.name)),
    outputs: g.outputs,
    initializers: g.initializers,
    nodes: g.nodes,
    source: ctx.source,
    hasBatchDim: false,
    channelAxis: 'first',
  };
}

function readNode(r: WireReader, ctx: DecodeContext, depth: number, index: number, usedNames: Set<string>): GraphNode {
  const inputs: string[] = [];
  const outputs: string[] = [];
  let name = '';
  let opType = '';
  let domain = '';
  const attrs: Record<string, AttrValue> = {};
  const pendingAttrs: WireReader[] = [];
  while (!r.done()) {
    const key = r.tag();
    switch (key) {
      case 0x0a:
        inputs.push(r.string());
        break;
      case 0x12:
        outputs.push(r.string());
        break;
      case 0x1a:
        name = r.string();
        break;
      case 0x22:
        opType = r.string();
        break;
      case 0x2a:
        pendingAttrs.push(r.message());
        break;
      case 0x3a:
        domain = r.string();
        break;
      default:
        r.skip(key & 7);
    }
  }
  if (!opType) throw new ModelError(`${ctx.src.fileName}: node ${index} ("${name}") has no op type`);
  const qualifiedType = domain === '' || domain === 'ai.onnx' ? opType : `${domain}.${opType}`;
  let unique = name || `${opType}_${index}`;
  if (usedNames.has(unique)) unique = `${unique}_${index}`;
  usedNames.add(unique);
  for (const a of pendingAttrs) {
    const attr = readAttribute(a, ctx, depth);
    if (attr.value === undefined) {
      ctx.notes.push(`attribute ${attr.name} of node "${unique}" (${qualifiedType}) has type ${attr.type}, which Neurovis does not read`);
    } else {
      attrs[attr.name] = attr.value;
    }
  }
  return { name: unique, opType: qualifiedType, inputs, outputs, attrs };
}

const ATTR = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

function readAttribute(r: WireReader, ctx: DecodeContext, depth: number): { name: string; type: number; value: AttrValue | undefined } {
  let name = '';
  let type = 0;
  let f: number | undefined;
  let i: number | undefined;
  let s: string | undefined;
  let t: Tensor | undefined;
  let g: Graph | undefined;
  const floats: number[] = [];
  const ints: number[] = [];
  const strings: string[] = [];
  let seen = 0;
  while (!r.done()) {
    const key = r.tag();
    const wire = key & 7;
    switch (key >>> 3) {
      case 1:
        name = r.string();
        break;
      case 20:
        type = r.int64();
        break;
      case 2:
        f = r.float32();
        seen ||= ATTR.FLOAT;
        break;
      case 3:
        i = r.int64();
        seen ||= ATTR.INT;
        break;
      case 4:
        s = r.string();
        seen ||= ATTR.STRING;
        break;
      case 5:
        t = tensorFromRecord(readTensorRecord(r.message()), ctx.src);
        seen ||= ATTR.TENSOR;
        break;
      case 6:
        g = toGraph(readGraph(r.message(), ctx, depth + 1), ctx);
        seen ||= ATTR.GRAPH;
        break;
      case 7: {
        const run = r.scalarRun(wire, WIRE_FIXED32);
        const values = new WireReader(r.bytes, run.start, run.end, r.fileName);
        while (!values.done()) floats.push(values.float32());
        seen ||= ATTR.FLOATS;
        break;
      }
      case 8:
        r.int64s(wire, ints);
        seen ||= ATTR.INTS;
        break;
      case 9:
        strings.push(r.string());
        seen ||= ATTR.STRINGS;
        break;
      default:
        r.skip(wire);
    }
  }
  // IR version 1 files have no type field: the field present says it.
  const kind = type || seen;
  let value: AttrValue | undefined;
  switch (kind) {
    case ATTR.FLOAT:
      value = f ?? 0;
      break;
    case ATTR.INT:
      value = i ?? 0;
      break;
    case ATTR.STRING:
      value = s ?? '';
      break;
    case ATTR.TENSOR:
      value = t;
      break;
    case ATTR.GRAPH:
      value = g;
      break;
    case ATTR.FLOATS:
      value = floats;
      break;
    case ATTR.INTS:
      value = ints;
      break;
    case ATTR.STRINGS:
      value = strings;
      break;
  }
  return { name, type: kind, value };
}

/** A ValueInfoProto; dims are undefined when it declares no tensor shape (unknown rank, or not a tensor). */
function readValueInfo(r: WireReader): { name: string; dims: ValueInfo['dims'] | undefined; elemType: number } {
  let name = '';
  let elemType = 0;
  let dims: (number | string | null)[] | undefined;
  while (!r.done()) {
    const key = r.tag();
    if (key === 0x0a) {
      name = r.string();
    } else if (key === 0x12) {
      const type = r.message();
      while (!type.done()) {
        const tk = type.tag();
        // tensor_type (1) and sparse_tensor_type (8) share their layout.
        if (tk === 0x0a || tk === 0x42) {
          const tensorType = readTensorType(type.message());
          elemType = tensorType.elemType;
          dims = tensorType.dims;
        } else {
          type.skip(tk & 7);
        }
      }
    } else {
      r.skip(key & 7);
    }
  }
  return { name, dims, elemType };
}

function readTensorType(r: WireReader): { elemType: number; dims: (number | string | null)[] | undefined } {
  let elemType = 0;
  let dims: (number | string | null)[] | undefined;
  while (!r.done()) {
    const key = r.tag();
    if (key === 0x08) {
      elemType = r.int64();
    } else if (key === 0x12) {
      dims = [];
      const shape = r.message();
      while (!shape.done()) {
        const sk = shape.tag();
        if (sk !== 0x0a) {
          shape.skip(sk & 7);
          continue;
        }
        const dim = shape.message();
        let value: number | string | null = null;
        while (!dim.done()) {
          const dk = dim.tag();
          if (dk === 0x08) {
            const v = dim.int64();
            value = v >= 0 ? v : null;
          } else if (dk === 0x12) {
            value = dim.string();
          } else {
            dim.skip(dk & 7);
          }
        }
        dims.push(value);
      }
    } else {
      r.skip(key & 7);
    }
  }
  return { elemType, dims };
}

/** A sparse initializer made dense (values at linear or coordinate indices). */
function readSparseTensor(r: WireReader, ctx: DecodeContext): { name: string; tensor: Tensor } {
  let values: { name: string; tensor: Tensor } | undefined;
  let indices: Tensor | undefined;
  const dims: number[] = [];
  while (!r.done()) {
    const key = r.tag();
    const wire = key & 7;
    switch (key >>> 3) {
      case 1: {
        const rec = readTensorRecord(r.message());
        values = { name: rec.name, tensor: tensorFromRecord(rec, ctx.src) };
        break;
      }
      case 2:
        indices = tensorFromRecord(readTensorRecord(r.message()), ctx.src);
        break;
      case 3:
        r.int64s(wire, dims);
        break;
      default:
        r.skip(wire);
    }
  }
  const label = `${ctx.src.fileName}: sparse tensor "${values?.name ?? ''}"`;
  if (!values || !indices) throw new ModelError(`${label} lacks its values or indices`);
  let size = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw new ModelError(`${label}: dimension ${d} is not a valid size`);
    size *= d;
  }
  // The dense tensor is allocated, so its size is bounded like any tensor a model may hold.
  if (size > 2 ** 28) throw new ModelError(`${label}: dense shape [${dims.join(', ')}] is too large`);
  const nnz = values.tensor.data.length;
  const dense = values.tensor.dtype === 'float32' ? new Float32Array(size) : new Float64Array(size);
  const coordinates = indices.shape.length === 2;
  if (indices.data.length !== (coordinates ? nnz * dims.length : nnz)) throw new ModelError(`${label}: ${indices.data.length} indices for ${nnz} values`);
  for (let k = 0; k < nnz; k++) {
    let at = 0;
    if (coordinates) {
      for (let a = 0; a < dims.length; a++) {
        const c = indices.data[k * dims.length + a];
        if (c < 0 || c >= dims[a]) throw new ModelError(`${label}: index ${c} out of range on axis ${a}`);
        at = at * dims[a] + c;
      }
    } else {
      at = indices.data[k];
    }
    if (!(at >= 0 && at < size)) throw new ModelError(`${label}: index ${at} out of range`);
    dense[at] = values.tensor.data[k];
  }
  return { name: values.name, tensor: { dtype: values.tensor.dtype, shape: dims, data: dense } };
}
