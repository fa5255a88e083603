import type { AttrValue, Graph, GraphNode } from '../engine/graph';
import type { PreparedModel } from '../engine/prepare';
import type { Tensor } from '../engine/tensor';
import type { PackedModel } from './protocol';

/** Whether this host can share memory between workers (Node; browsers only when cross-origin isolated). */
export function canShareMemory(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  return isolated !== false;
}

function isTensor(v: AttrValue): v is Tensor {
  return typeof v === 'object' && !Array.isArray(v) && 'data' in v && 'dtype' in v;
}

function isGraph(v: AttrValue): v is Graph {
  return typeof v === 'object' && !Array.isArray(v) && 'nodes' in v && 'initializers' in v;
}

/** Every tensor a graph holds: its initializers and the tensors in its nodes' attributes, subgraphs included. */
function collectTensors(graph: Graph, into: Set<Tensor>): void {
  for (const t of graph.initializers.values()) into.add(t);
  for (const node of graph.nodes) {
    for (const v of Object.values(node.attrs)) {
      if (isTensor(v)) into.add(v);
      else if (isGraph(v)) collectTensors(v, into);
    }
  }
}

function relocateGraph(graph: Graph, moved: ReadonlyMap<Tensor, Tensor>): Graph {
  const initializers = new Map<string, Tensor>();
  for (const [name, t] of graph.initializers) initializers.set(name, moved.get(t) ?? t);
  return { ...graph, initializers, nodes: graph.nodes.map((n) => relocateNode(n, moved)) };
}

function relocateNode(node: GraphNode, moved: ReadonlyMap<Tensor, Tensor>): GraphNode {
  let attrs: Record<string, AttrValue> | undefined;
  for (const [key, v] of Object.entries(node.attrs)) {
    const next = isTensor(v) ? moved.get(v) ?? v : isGraph(v) ? relocateGraph(v, moved) : v;
    if (next !== v) (attrs ??= { ...node.attrs })[key] = next;
  }
  return attrs ? { ...node, attrs } : node;
}

/**
 * The graph a worker needs to rebuild `model` with prepare(): its variable nodes, the
 * constants they read (already folded: no folding is repeated per worker), its one
 * input with its resolved shape. Preparing it yields the same layers, shapes and values.
 */
function reducedGraph(model: PreparedModel): Graph {
  const source = model.graph;
  const initializers = new Map<string, Tensor>();
  for (const v of model.nodes) {
    for (const name of v.node.inputs) {
      const constant = name === '' ? undefined : model.constants.get(name);
      if (constant) initializers.set(name, constant);
    }
  }
  // A subgraph (If, Loop) may read outer tensors by name, not as inputs: keep every initializer then.
  if (model.nodes.some((v) => Object.values(v.node.attrs).some(isGraph))) {
    for (const [name, t] of source.initializers) if (!initializers.has(name)) initializers.set(name, t);
  }
  const input = source.inputs.find((i) => i.name === model.inputName)!;
  return {
    ...source,
    inputs: [{ name: input.name, dtype: input.dtype, dims: [...model.inputShape] }],
    initializers,
    nodes: model.nodes.map((v) => v.node),
    // The layout chosen (or detected on the full graph) holds for the reduced one.
    inputLayout: model.inputLayout,
  };
}

/** Packs the reduced graph of `model` with all its tensor data in one buffer. */
export function packModel(model: PreparedModel, share: boolean): PackedModel {
  const graph = reducedGraph(model);
  const tensors = new Set<Tensor>();
  collectTensors(graph, tensors);
  let bytes = 0;
  // Each tensor starts on an 8-byte boundary so Float64Array views are aligned.
  for (const t of tensors) bytes += align8(t.data.byteLength);
  const buffer = share ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  const moved = new Map<Tensor, Tensor>();
  let offset = 0;
  for (const t of tensors) {
    const data = t.data instanceof Float64Array ? new Float64Array(buffer, offset, t.data.length) : new Float32Array(buffer, offset, t.data.length);
    data.set(t.data);
    moved.set(t, { dtype: t.dtype, shape: t.shape, data });
    offset += align8(t.data.byteLength);
  }
  return { graph: relocateGraph(graph, moved), buffer };
}

function align8(n: number): number {
  return (n + 7) & ~7;
}
