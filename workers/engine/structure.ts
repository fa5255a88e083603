/**
 * What the graph and weights views show of a prepared model: every node that depends on
 * the input with its attributes, output shapes, parameter count and a histogram of each
 * weight tensor, and the first convolution's kernels. Small enough to send with the
 * model summary (histograms, not weights), except the first kernels, which are few.
 */
import type { AttrValue } from './graph';
import type { PreparedModel } from './prepare';
import type { Tensor } from './tensor';

export interface WeightSummary {
  readonly name: string;
  readonly shape: readonly number[];
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly std: number;
  /** Counts of HISTOGRAM_BINS equal bins from min to max. */
  readonly histogram: readonly number[];
}

export interface StructureNode {
  readonly name: string;
  readonly opType: string;
  /** Input tensors that depend on the model's input (weights and folded constants left out). */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Attributes for people: numbers and lists as written, tensors by their shape. */
  readonly attrs: Readonly<Record<string, string>>;
  /** Output shapes, with the batch dimension when the model has one. */
  readonly outputShapes: readonly (readonly number[])[];
  /** Number of weight values the node reads (constant inputs). */
  readonly params: number;
  readonly weights: readonly WeightSummary[];
  /** The gallery layer this node's output is, if any. */
  readonly layer: string | null;
}

export interface FirstKernels {
  readonly node: string;
  /** (O, I, kH, kW): one kernel per output channel, as the Conv reads its input. */
  readonly shape: readonly [number, number, number, number];
  readonly values: Float32Array;
}

export interface ModelStructure {
  readonly input: string;
  readonly nodes: readonly StructureNode[];
  readonly firstKernels: FirstKernels | null;
}

export const HISTOGRAM_BINS = 48;
/** First-layer kernels larger than this are not sent (no model's first layer is). */
const MAX_KERNEL_VALUES = 1 << 20;

function formatAttr(v: AttrValue): string {
  if (typeof v === 'number' || typeof v === 'string') return String(v);
  if (Array.isArray(v)) return `[${v.join(', ')}]`;
  if ('data' in v) return `tensor ${v.shape.join('×') || 'scalar'}`;
  return 'subgraph';
}

function summariseWeights(name: string, t: Tensor): WeightSummary {
  const d = t.data;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  const n = Math.max(1, d.length);
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < d.length; i++) sq += (d[i] - mean) ** 2;
  const histogram = new Array<number>(HISTOGRAM_BINS).fill(0);
  const width = max - min;
  for (let i = 0; i < d.length; i++) histogram[width > 0 ? Math.min(HISTOGRAM_BINS - 1, Math.floor(((d[i] - min) / width) * HISTOGRAM_BINS)) : 0]++;
  return { name, shape: [...t.shape], min: d.length ? min : 0, max: d.length ? max : 0, mean, std: Math.sqrt(sq / n), histogram };
}

export function describeStructure(model: PreparedModel): ModelStructure {
  const layerOf = new Map(model.layers.map((l) => [l.node, l.id]));
  const constantOf = (name: string): Tensor | undefined => model.constants.get(name) ?? model.graph.initializers.get(name);
  let firstKernels: FirstKernels | null = null;
  const nodes = model.nodes.map(({ node, outputShapes }): StructureNode => {
    const weights: WeightSummary[] = [];
    const inputs: string[] = [];
    let params = 0;
    for (const name of node.inputs) {
      if (!name) continue;
      const t = constantOf(name);
      if (!t) {
        inputs.push(name);
        continue;
      }
      params += t.data.length;
      // Shape operands (a Reshape's target) are not weights.
      if (t.dtype === 'float32' && t.data.length > 1) weights.push(summariseWeights(name, t));
    }
    const w = node.opType === 'Conv' ? constantOf(node.inputs[1]) : undefined;
    if (!firstKernels && w && w.shape.length === 4 && w.data.length <= MAX_KERNEL_VALUES) {
      firstKernels = { node: node.name, shape: [w.shape[0], w.shape[1], w.shape[2], w.shape[3]], values: Float32Array.from(w.data) };
    }
    return {
      name: node.name,
      opType: node.opType,
      inputs,
      outputs: [...node.outputs],
      attrs: Object.fromEntries(Object.entries(node.attrs).map(([k, v]) => [k, formatAttr(v)])),
      outputShapes: outputShapes.map((s) => [...s]),
      params,
      weights,
      layer: layerOf.get(node.name) ?? null,
    };
  });
  return { input: model.inputName, nodes, firstKernels };
}
