import type { Graph, GraphNode, InputLayout } from './graph';
import type { OpContext, OpDef, ReversalMode } from './op';
import type { Shape, Tensor } from './tensor';

// What prepare() makes of a graph (engine/prepare.ts), in a module of its own so that the
// modules prepare() uses (receptive-field, seeds) can name these types without importing it.

/** A crop of the input image: [y, x, h, w] in input pixels. */
export type CropBox = readonly [number, number, number, number];

/** The crops of one layer under the objectives that have one: null means the whole input. */
export interface LayerCrops {
  /** One box for every neuron, or one per neuron where they differ (near borders, concatenated branches). */
  readonly neuron: CropBox | readonly CropBox[] | null;
  readonly channel: CropBox | null;
}

/** One layer of the gallery (DESIGN.md §2). */
export interface LayerInfo {
  /** The output tensor's name: the layer's id everywhere (manifest, jobs, UI). */
  readonly id: string;
  /** What to show: the Keras layer name, or the tensor name. */
  readonly name: string;
  readonly op: string;
  readonly node: string;
  /** Output shape including the batch dimension when the model has one. */
  readonly outputShape: readonly number[];
  /** Output shape without the batch dimension. */
  readonly featureShape: readonly number[];
  /** Index of the channel axis in featureShape for conv-like outputs (rank 2 or 3), else null. */
  readonly channelAxis: number | null;
  readonly neurons: number;
  /**
   * Layers feeding this layer's node element by element (same shape, elementwise op): its
   * reversal is a combination of theirs for the same neurons (engine/reuse.ts).
   */
  readonly reuses: readonly string[];
  /**
   * Layers whose every neuron this layer's reversal combines, in the modes whose rule is
   * linear in the seed (exact, surrogate, local): a Gemm or MatMul reading a rank-1 layer,
   * a 1×1 convolution reading an image layer of its size. Its seed goes back through its node
   * onto seeds of theirs, so a = W·A(source): one GEMM instead of a pass per neuron (engine/reuse.ts).
   */
  readonly reusesAll?: readonly string[];
  /**
   * The modes in which a node behind this layer's node reverses only positively homogeneously
   * (OpDef.homogeneousIn: deconvnet and guided behind a ReLU). In those modes the layer reuses
   * one source neuron with a positive factor, never a combination (engine/reuse.ts); in the
   * others, and in every mode on a network without ReLUs (MobileNetV2's ReLU6 is a Clip), any
   * combination, dense ones included.
   */
  readonly homogeneousIn?: readonly ReversalMode[];
  /** The input boxes that can influence the neurons (receptive-field crops); absent or null: the whole input. */
  readonly crops?: LayerCrops;
  /** Class names of its neurons: the model's output layer, when the model comes with them (Graph.labels). */
  readonly labels?: readonly string[];
}

export interface VariableNode {
  readonly node: GraphNode;
  readonly op: OpDef;
  readonly ctx: OpContext;
  readonly outputShapes: readonly Shape[];
  readonly nonlinear: boolean;
}

/** A graph ready to run and reverse: constants folded, every shape known, in topological order. */
export interface PreparedModel {
  readonly graph: Graph;
  readonly inputName: string;
  /** Input shape as the graph takes it (with a batch dimension of 1 when it has one). */
  readonly inputShape: readonly number[];
  /** Input shape without the batch dimension: the shape of every x*. */
  readonly inputFeatureShape: readonly number[];
  /** The input's layout: the user's choice, else detected from the model (engine/input-layout.ts). */
  readonly inputLayout: InputLayout;
  /** The image shape [H, W] the user asked to draw the input as (a 784-vector as 28×28), or null. */
  readonly imageShape: readonly number[] | null;
  readonly shapes: ReadonlyMap<string, Shape>;
  readonly constants: ReadonlyMap<string, Tensor>;
  /** Nodes that depend on the input, in topological order. */
  readonly nodes: readonly VariableNode[];
  /** Which node produces each variable tensor. */
  readonly producer: ReadonlyMap<string, VariableNode>;
  readonly layers: readonly LayerInfo[];
  /** Names of nonlinear nodes (refused by the exact mode). */
  readonly nonlinearNodes: readonly string[];
}
