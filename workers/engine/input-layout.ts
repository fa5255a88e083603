/**
 * The model's input layout and the channel axis of every layer (DESIGN.md §2, §4).
 * Channels-last models come in two kinds: formats that are channels-last by definition
 * (Keras, TF.js, TFLite: `graph.inputLayout` or `graph.channelAxis`) and ONNX files written
 * by tf2onnx or keras2onnx, whose NHWC input feeds a Transpose to NCHW. Channel positions
 * are then followed through the graph: ONNX's conv-like ops work channels-first, a
 * Transpose moves the channel axis, everything else keeps it.
 */
import { ModelError, type Graph, type GraphNode, type InputLayout } from './graph';
import type { Shape } from './tensor';

export const INPUT_LAYOUTS: readonly InputLayout[] = ['NCHW', 'NHWC', 'NCW', 'NWC', 'flat'];

/** Ops whose output has its channels on axis 1 (ONNX Operators.md), whatever fed them. */
const CHANNELS_FIRST_OPS = new Set([
  'Conv', 'ConvTranspose', 'ConvInteger', 'QLinearConv', 'MaxPool', 'AveragePool', 'LpPool', 'GlobalAveragePool', 'GlobalMaxPool',
  'GlobalLpPool', 'BatchNormalization', 'InstanceNormalization', 'LRN', 'DepthToSpace', 'SpaceToDepth', 'MaxUnpool',
  'QLinearAveragePool', 'QLinearGlobalAveragePool',
]);

/** Ops that only move or relabel data: never a layer of their own (issue 16, "what counts as a layer"). */
const REARRANGEMENTS = new Set(
  [
    // ONNX
    'Reshape', 'Transpose', 'Flatten', 'Squeeze', 'Unsqueeze', 'DepthToSpace', 'SpaceToDepth', 'Pad', 'Identity', 'Cast', 'Dropout',
    'QuantizeLinear', 'DequantizeLinear',
    // Keras layer classes
    'Permute', 'ZeroPadding1D', 'ZeroPadding2D', 'ZeroPadding3D', 'SpatialDropout1D', 'SpatialDropout2D', 'SpatialDropout3D',
    'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'InputLayer',
    // TensorFlow and TFLite op names
    'ExpandDims', 'PadV2', 'MirrorPad', 'Quantize', 'Dequantize', 'PixelShuffle', 'PixelUnshuffle',
  ].map(normalise),
);

function normalise(op: string): string {
  return op.replace(/_/g, '').toLowerCase();
}

/** Whether an op (ONNX op type, Keras layer class, TF or TFLite op name) only rearranges its input. */
export function isRearrangement(op: string): boolean {
  return REARRANGEMENTS.has(normalise(op));
}

/** The layouts that fit an input of this rank (without the batch dimension). */
function layoutsForRank(rank: number): InputLayout[] {
  if (rank <= 1) return ['flat'];
  if (rank === 2) return ['NCW', 'NWC', 'flat'];
  return ['NCHW', 'NHWC', 'flat'];
}

export function isChannelsLastLayout(layout: InputLayout): boolean {
  return layout === 'NHWC' || layout === 'NWC';
}

/**
 * The model's input layout: the user's choice, else what the reader states, else an NHWC
 * input feeding a Transpose to channels-first (tf2onnx, keras2onnx), else the format's
 * channel axis.
 */
export function detectInputLayout(graph: Graph, inputName: string, featureShape: readonly number[], chosen?: InputLayout): InputLayout {
  const rank = featureShape.length;
  const fits = layoutsForRank(rank);
  if (chosen !== undefined) {
    if (!fits.includes(chosen)) {
      throw new ModelError(`${graph.source.fileName}: input layout ${chosen} does not fit the input of shape [${featureShape.join(', ')}] (choose ${fits.join(', ')})`);
    }
    return chosen;
  }
  if (rank <= 1) return 'flat';
  if (graph.inputLayout && fits.includes(graph.inputLayout)) return graph.inputLayout;
  const last = graph.channelAxis === 'last' || feedsChannelsFirstTranspose(graph, inputName, rank + (graph.hasBatchDim ? 1 : 0));
  if (rank === 2) return last ? 'NWC' : 'NCW';
  return last ? 'NHWC' : 'NCHW';
}

/** perm of a Transpose that moves the last axis to the channel position, keeping the others in order. */
function toChannelsFirstPerm(rank: number, batch: boolean): number[] {
  const c = batch ? 1 : 0;
  const perm: number[] = [];
  for (let i = 0; i < rank; i++) perm.push(i < c ? i : i === c ? rank - 1 : i - 1);
  return perm;
}

function feedsChannelsFirstTranspose(graph: Graph, inputName: string, rank: number): boolean {
  const wanted = toChannelsFirstPerm(rank, graph.hasBatchDim).join(',');
  // Through Identity/Cast and the like, which tf2onnx sometimes puts first.
  const names = new Set([inputName]);
  for (let changed = true; changed; ) {
    changed = false;
    for (const node of graph.nodes) {
      if (!names.has(node.inputs[0] ?? '')) continue;
      if (node.opType === 'Transpose' && permOf(node)?.join(',') === wanted) return true;
      if ((node.opType === 'Identity' || node.opType === 'Cast') && node.outputs[0] && !names.has(node.outputs[0])) {
        names.add(node.outputs[0]);
        changed = true;
      }
    }
  }
  return false;
}

function permOf(node: GraphNode): number[] | undefined {
  const p = node.attrs.perm;
  return Array.isArray(p) && p.every((v) => typeof v === 'number') ? (p as number[]) : undefined;
}

export type ChannelSide = 'first' | 'last';

/**
 * Where the channels are in each variable tensor of rank 3 or more (with the batch
 * dimension), followed from the input through the nodes in topological order. Tensors
 * missing from the map have no known channel axis (the caller falls back to the format's).
 */
export function channelSides(
  nodes: readonly GraphNode[],
  shapes: ReadonlyMap<string, Shape>,
  inputName: string,
  inputSide: ChannelSide,
  batch: boolean,
): Map<string, ChannelSide> {
  const sides = new Map<string, ChannelSide>([[inputName, inputSide]]);
  const c = batch ? 1 : 0;
  for (const node of nodes) {
    const out = node.outputs[0];
    if (!out) continue;
    const outRank = shapes.get(out)?.length ?? 0;
    let side: ChannelSide | undefined;
    if (CHANNELS_FIRST_OPS.has(node.opType)) {
      side = 'first';
    } else if (node.opType === 'Transpose') {
      const from = sides.get(node.inputs[0]);
      const perm = permOf(node) ?? [...Array(outRank).keys()].reverse();
      if (from !== undefined) {
        const moved = perm.indexOf(from === 'first' ? c : outRank - 1);
        side = moved === c ? 'first' : moved === outRank - 1 ? 'last' : undefined;
      }
    } else {
      const source = node.inputs.find((n) => sides.has(n) && shapes.get(n)?.length === outRank);
      side = source === undefined ? undefined : sides.get(source);
    }
    if (side !== undefined && outRank >= c + 2) for (const o of node.outputs) if (o) sides.set(o, side);
  }
  return sides;
}

/**
 * The drawing shape asked for with `--image-shape H,W`: checked against the input's size
 * (H·W must divide it; the quotient is the channel count).
 */
export function checkImageShape(where: string, featureShape: readonly number[], imageShape: readonly number[]): void {
  const size = featureShape.reduce((a, b) => a * b, 1);
  const [h, w] = imageShape;
  if (imageShape.length !== 2 || !(h > 0 && w > 0) || size % (h * w) !== 0) {
    throw new ModelError(`${where}: image shape [${imageShape.join(', ')}] does not fit the input of shape [${featureShape.join(', ')}] (${size} values): give H,W with H·W dividing ${size}`);
  }
}
