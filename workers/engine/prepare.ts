import { ModelError, printable, type Graph, type GraphNode, type InputLayout, errorMessage } from './graph';
import { overBudget } from './budget';
import { fuseGelu } from './fuse';
import { channelSides, checkImageShape, detectInputLayout, isChannelsLastLayout, isRearrangement, type ChannelSide } from './input-layout';
import { kindOf, type OpContext, type ReversalMode } from './op';
import { opFor } from './ops/index';
import type { LayerInfo, PreparedModel, VariableNode } from './prepared-model';
import { layerCrops } from './receptive-field';
import { formatShape, sizeOf, type Shape, type Tensor } from './tensor';

export type { LayerInfo, PreparedModel, VariableNode } from './prepared-model';

export interface PrepareOptions {
  /** Input shape without the batch dimension, for symbolic dimensions (or to override them). */
  inputShape?: readonly number[];
  /** Overrides the detected input layout. */
  inputLayout?: InputLayout;
  /** Draws the input as H×W image(s). */
  imageShape?: readonly number[];
}

/** Upper bound on values in one tensor; a header claiming more is lying or absurd. */
export const MAX_TENSOR_VALUES = 1 << 29;

export function prepare(graph: Graph, options: PrepareOptions = {}): PreparedModel {
  graph = fuseGelu(graph);
  const where = graph.source.fileName;
  const variableInputs = graph.inputs.filter((i) => !graph.initializers.has(i.name));
  if (variableInputs.length === 0) throw new ModelError(`${where}: the model has no input`);
  if (variableInputs.length > 1) {
    throw new ModelError(`${where}: the model has ${variableInputs.length} inputs (${variableInputs.map((i) => i.name).join(', ')}); Neurovis reverses models with one input`);
  }
  const input = variableInputs[0];
  const inputShape = resolveInputShape(graph, input.name, input.dims, options.inputShape);

  const shapes = new Map<string, Shape>();
  const constants = new Map<string, Tensor>();
  for (const [name, t] of graph.initializers) {
    constants.set(name, t);
    shapes.set(name, t.shape);
  }
  shapes.set(input.name, inputShape);

  const order = topologicalOrder(graph, new Set([input.name, ...graph.initializers.keys()]));
  const nodes: VariableNode[] = [];
  const producer = new Map<string, VariableNode>();
  const opset = graph.source.opset ?? 13;
  for (const node of order) {
    const op = withNode(where, node, () => opFor(node));
    // Only Constant makes a value from nothing; any other node without inputs is a damaged file.
    if (op.type !== 'Constant' && node.inputs.every((n) => n === '')) throw new ModelError(`${where}: node "${printable(node.name)}" (${printable(node.opType)}) has no inputs`);
    const inputShapes = node.inputs.map((n) => (n === '' ? undefined : shapes.get(n)));
    node.inputs.forEach((n, i) => {
      if (n !== '' && inputShapes[i] === undefined) throw new ModelError(`${where}: node "${node.name}" (${node.opType}) reads "${n}", which nothing produces`);
    });
    const consts = node.inputs.map((n) => (n === '' ? undefined : constants.get(n)));
    const ctx: OpContext = { node, inputShapes, constants: consts, opset };
    const kind = withNode(where, node, () => kindOf(op, ctx));
    const foldable = kind === 'shape' || node.inputs.every((n, i) => n === '' || consts[i] !== undefined);
    if (foldable) {
      const values = withNode(where, node, () => op.forward(ctx, consts));
      values.forEach((t, i) => {
        const name = node.outputs[i];
        if (name) {
          constants.set(name, t);
          shapes.set(name, t.shape);
        }
      });
      continue;
    }
    const outputShapes = withNode(where, node, () => op.inferShapes(ctx));
    outputShapes.forEach((s, i) => {
      const name = node.outputs[i];
      if (!name) return;
      if (s.some((d) => !Number.isInteger(d) || d < 0) || sizeOf(s) > MAX_TENSOR_VALUES) {
        throw new ModelError(`${where}: node "${node.name}" (${node.opType}) would produce a tensor of shape ${formatShape(s)}`);
      }
      shapes.set(name, s);
    });
    const v: VariableNode = { node, op, ctx, outputShapes, nonlinear: kind === 'nonlinear' };
    nodes.push(v);
    for (const o of node.outputs) if (o) producer.set(o, v);
  }

  const batch = graph.hasBatchDim;
  const inputFeatureShape = batch ? inputShape.slice(1) : inputShape;
  const inputLayout = detectInputLayout(graph, input.name, inputFeatureShape, options.inputLayout);
  if (options.imageShape) checkImageShape(where, inputFeatureShape, options.imageShape);
  const inputSide: ChannelSide = isChannelsLastLayout(inputLayout) ? 'last' : 'first';
  const sides = channelSides(nodes.map((v) => v.node), shapes, input.name, inputSide, batch);
  const found = findLayers(graph, nodes, shapes, batch, sides);
  if (found.length === 0) throw new ModelError(`${where}: the model has no layer that depends on its input`);
  const labelled = labelOutput(graph, found);
  graph = labelled.graph;
  const model: PreparedModel = {
    graph,
    inputName: input.name,
    inputShape,
    inputFeatureShape,
    inputLayout,
    imageShape: options.imageShape ? [...options.imageShape] : null,
    shapes,
    constants,
    nodes,
    producer,
    layers: labelled.layers,
    nonlinearNodes: nodes.filter((n) => n.nonlinear).map((n) => n.node.name),
  };
  return { ...model, layers: model.layers.map((l) => ({ ...l, crops: layerCrops(model, l) })) };
}

/** Gives the output layer the model's class names when there is one per neuron; otherwise says why not. */
function labelOutput(graph: Graph, layers: LayerInfo[]): { graph: Graph; layers: LayerInfo[] } {
  const labels = graph.labels;
  if (!labels) return { graph, layers };
  const output = layers.find((l) => graph.outputs.includes(l.id)) ?? layers[layers.length - 1];
  if (output.neurons === labels.length) return { graph, layers: layers.map((l) => (l === output ? { ...l, labels } : l)) };
  const note = `${labels.length} class names given, but the output layer ${output.name} has ${output.neurons} neurons: names not used`;
  return { graph: { ...graph, labels: undefined, source: { ...graph.source, notes: [...(graph.source.notes ?? []), note] } }, layers };
}

function resolveInputShape(graph: Graph, name: string, dims: readonly (number | string | null)[], given: readonly number[] | undefined): number[] {
  const where = graph.source.fileName;
  const batch = graph.hasBatchDim;
  const feature = batch ? dims.slice(1) : dims;
  let out: number[];
  if (given) {
    if (given.length !== feature.length) {
      throw new ModelError(`${where}: input shape ${formatShape(given)} has rank ${given.length}; the model's input ${describeDims(feature)} has rank ${feature.length}`);
    }
    feature.forEach((d, i) => {
      if (typeof d === 'number' && d > 0 && d !== given[i]) {
        throw new ModelError(`${where}: input shape ${formatShape(given)} disagrees with the model's input ${describeDims(feature)} at axis ${i}`);
      }
    });
    out = [...given];
  } else {
    out = feature.map((d) => {
      if (typeof d !== 'number' || d <= 0) {
        throw new ModelError(`${where}: the input has a symbolic dimension (${describeDims(feature)}); give the input shape (--input-shape)`);
      }
      return d;
    });
  }
  if (out.some((d) => !Number.isInteger(d) || d <= 0)) throw new ModelError(`${where}: input shape ${formatShape(out)} is not a valid shape`);
  // Every neuron's x* and every forward pass hold values of the input's size: a huge one is refused here, by name.
  const inputSize = `input "${name}" ${formatShape(out)} of float32`;
  const over = overBudget(inputSize, sizeOf(out), 4);
  if (over) throw new ModelError(`${where}: ${over}`);
  if (sizeOf(out) > MAX_TENSOR_VALUES) {
    throw new ModelError(`${where}: ${inputSize} holds ${sizeOf(out).toLocaleString('en-US')} values, more than one array of Neurovis holds (${MAX_TENSOR_VALUES.toLocaleString('en-US')}); give a smaller --input-shape`);
  }
  return batch ? [1, ...out] : out;
}

function describeDims(dims: readonly (number | string | null)[]): string {
  return `[${dims.map((d) => (d === null || d === '' ? '?' : String(d))).join(', ')}]`;
}

function topologicalOrder(graph: Graph, available: Set<string>): GraphNode[] {
  const producers = new Map<string, GraphNode>();
  for (const node of graph.nodes) {
    for (const o of node.outputs) {
      if (!o) continue;
      if (producers.has(o) || available.has(o)) throw new ModelError(`${graph.source.fileName}: tensor "${o}" is produced twice`);
      producers.set(o, node);
    }
  }
  const state = new Map<GraphNode, 1 | 2>();
  const order: GraphNode[] = [];
  // Iterative DFS: real graphs are deep enough to overflow a recursive one.
  for (const root of graph.nodes) {
    if (state.has(root)) continue;
    const stack: { node: GraphNode; next: number }[] = [{ node: root, next: 0 }];
    state.set(root, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.next < top.node.inputs.length) {
        const name = top.node.inputs[top.next++];
        if (name === '' || available.has(name)) continue;
        const p = producers.get(name);
        if (!p) throw new ModelError(`${graph.source.fileName}: node "${top.node.name}" (${top.node.opType}) reads "${name}", which nothing produces`);
        const s = state.get(p);
        if (s === 1) throw new ModelError(`${graph.source.fileName}: the graph has a cycle through node "${p.name}"`);
        if (s === undefined) {
          state.set(p, 1);
          stack.push({ node: p, next: 0 });
        }
      } else {
        state.set(top.node, 2);
        order.push(top.node);
        stack.pop();
      }
    }
  }
  return order;
}

function findLayers(
  graph: Graph,
  nodes: readonly VariableNode[],
  shapes: ReadonlyMap<string, Shape>,
  batch: boolean,
  sides: ReadonlyMap<string, ChannelSide>,
): LayerInfo[] {
  const byTensor = new Map<string, VariableNode>();
  for (const v of nodes) for (const o of v.node.outputs) if (o) byTensor.set(o, v);
  const featureOf = (tensor: string): number[] => {
    const s = shapes.get(tensor)!;
    // The batch is 1 here: a leading axis of another size is a feature axis of a graph that squeezed its batch away.
    return batch && s.length > 0 && s[0] === 1 ? s.slice(1) : [...s];
  };
  const channelAxisOf = (tensor: string, featureShape: readonly number[]): number | null => {
    const last = (sides.get(tensor) ?? graph.channelAxis) === 'last';
    return featureShape.length === 2 || featureShape.length === 3 ? (last ? featureShape.length - 1 : 0) : null;
  };
  const layerOf = (tensor: string, name: string, op: string, v: VariableNode): LayerInfo => {
    const outputShape = shapes.get(tensor)!;
    const featureShape = featureOf(tensor);
    const channelAxis = channelAxisOf(tensor, featureShape);
    const neurons = channelAxis === null ? Math.max(1, sizeOf(featureShape)) : featureShape[channelAxis];
    return { id: tensor, name, op, node: v.node.name, outputShape, featureShape, channelAxis, neurons, reuses: [] };
  };
  const rearranges = (v: VariableNode): boolean => v.op.kind === 'reshape' || isRearrangement(v.node.opType);
  const out: LayerInfo[] = [];
  if (graph.layerTensors) {
    for (const l of graph.layerTensors) {
      const v = byTensor.get(l.tensor);
      if (v && !isRearrangement(l.op)) out.push(layerOf(l.tensor, l.name, l.op, v));
    }
  } else {
    for (const v of nodes) {
      if (rearranges(v)) continue;
      const outputs = v.op.everyOutputIsLayer ? v.node.outputs : v.node.outputs.slice(0, 1);
      for (const o of outputs) {
        const op = graph.layerOps?.get(o);
        if (o && shapes.get(o) && op !== null) out.push(layerOf(o, o, op ?? v.node.opType, v));
      }
    }
    // A model output made by rearranging a layer into a new image (pixel shuffle, DepthToSpace) is shown in that
    // form; a model that only rearranges its input has its outputs as layers.
    const ids = new Set(out.map((l) => l.id));
    const onlyRearranges = out.length === 0;
    for (const o of graph.outputs) {
      const v = byTensor.get(o);
      if (!v || ids.has(o) || !rearranges(v)) continue;
      const from = rearrangedFrom(o, byTensor, rearranges);
      const a = featureOf(o);
      const b = from === undefined ? [] : featureOf(from);
      // Fewer channels, same values: depth moved into space.
      const shuffled = a.length === 3 && b.length === 3 && sizeOf(a) === sizeOf(b) && a[channelAxisOf(o, a)!] < b[channelAxisOf(from!, b)!];
      if (onlyRearranges || shuffled) out.push(layerOf(o, o, v.node.opType, v));
    }
  }
  const layerIds = new Set(out.map((l) => l.id));
  const behind = homogeneousBehind(nodes);
  return out.map((l0) => {
    const v = byTensor.get(l0.id)!;
    const modes = [...new Set(v.node.inputs.flatMap((t) => behind.get(t) ?? []))];
    const l = modes.length > 0 ? { ...l0, homogeneousIn: modes } : l0;
    if (!v.op.elementwise) {
      const input = denseSource(v, shapes, featureOf);
      const source = input === undefined ? undefined : sameOrderSource(input, (t) => byTensor.get(t));
      return source !== undefined && source !== l.id && layerIds.has(source) ? { ...l, reusesAll: [source] } : l;
    }
    const same = (t: string): boolean => formatShape(shapes.get(t) ?? []) === formatShape(l.outputShape);
    const reuses = [...new Set(v.node.inputs.filter((t) => t !== l.id && layerIds.has(t) && same(t)))];
    return { ...l, reuses };
  });
}

/** For each tensor, the modes in which a node it depends on, its producer included, reverses only positively homogeneously (OpDef.homogeneousIn). */
function homogeneousBehind(nodes: readonly VariableNode[]): Map<string, readonly ReversalMode[]> {
  const behind = new Map<string, readonly ReversalMode[]>();
  for (const v of nodes) {
    const modes = new Set([...v.node.inputs.flatMap((t) => behind.get(t) ?? []), ...(v.op.homogeneousIn ?? [])]);
    if (modes.size > 0) for (const o of v.node.outputs) if (o) behind.set(o, [...modes]);
  }
  return behind;
}

/** The tensor that `tensor` relabels (Reshape, Flatten, Squeeze …: the values in the same order), followed back; itself when none. */
export function sameOrderSource(tensor: string, producer: (tensor: string) => VariableNode | undefined): string {
  let t = tensor;
  for (let v = producer(t); v && kindOf(v.op, v.ctx) === 'reshape' && v.node.inputs[0]; v = producer(t)) t = v.node.inputs[0];
  return t;
}

/**
 * The one variable input of a linear node whose reversal sends a layer's seed onto the seeds of
 * that input's neurons (LayerInfo.reusesAll): a Gemm or MatMul on a rank-1 tensor, a 1×1
 * convolution keeping the spatial size (its seed at a position goes back to the same position).
 */
function denseSource(v: VariableNode, shapes: ReadonlyMap<string, Shape>, featureOf: (tensor: string) => number[]): string | undefined {
  if (v.nonlinear || v.node.outputs.length !== 1) return undefined;
  const variables = v.node.inputs.filter((t, i) => t !== '' && !v.ctx.constants[i]);
  if (variables.length !== 1 || v.node.inputs[0] !== variables[0] || !shapes.has(variables[0])) return undefined;
  // A dense layer after pooling reads the pooled layer through a Flatten: the values in the same order.
  const input = featureOf(variables[0]);
  const output = featureOf(v.node.outputs[0]);
  if (v.node.opType === 'Gemm' || v.node.opType === 'MatMul') return input.length === 1 && output.length === 1 ? variables[0] : undefined;
  if (v.node.opType !== 'Conv') return undefined;
  const w = v.ctx.inputShapes[1];
  const pointwise = !!w && w.length === 4 && w[2] === 1 && w[3] === 1 && Number(v.node.attrs.group ?? 1) === 1;
  return pointwise && input.length === 3 && output.length === 3 && input[1] === output[1] && input[2] === output[2] ? variables[0] : undefined;
}

/** The tensor a chain of rearrangements ending at `tensor` starts from. */
function rearrangedFrom(tensor: string, byTensor: ReadonlyMap<string, VariableNode>, rearranges: (v: VariableNode) => boolean): string | undefined {
  let t = tensor;
  for (let v = byTensor.get(t); v && rearranges(v); v = byTensor.get(t)) t = v.node.inputs[0];
  return t === tensor ? undefined : t;
}

/** Runs an op's rule; its error names the file and the node (a raw TypeError never reaches the user). */
function withNode<T>(where: string, node: GraphNode, f: () => T): T {
  try {
    return f();
  } catch (e) {
    const message = errorMessage(e);
    const named = e instanceof ModelError ? message : `node "${node.name}" (${node.opType}): ${message}`;
    throw new ModelError(named.startsWith(`${where}: `) ? named : `${where}: ${named}`);
  }
}
