import { attrNumber } from './graph';
import { positionwise } from './forward-region';
import { convForward } from './ops/conv';
import type { ClampBounds } from './kernels/clamp';
import { recycleFloats, scratchFloats } from './kernels/scratch';
import type { OpContext } from './op';
import type { PreparedModel, VariableNode } from './prepare';
import type { Shape, Tensor } from './tensor';

/**
 * The batched forward pass's small maps stored channels-first (issue 18): a batch of B images
 * of C×H×W values held as C rows of B·H·W values (each row the channel's maps of every image
 * in turn) instead of B blocks of C×H×W. On maps of fewer than SMALL_PLANE positions (the
 * deep stages of MobileNetV2: 8×8, 4×4, 2×2) a 1×1 convolution is then one GEMM over the
 * whole batch, M×C by C×(B·H·W), with no copies in or out (side by side, each image's 1×1
 * convolution was its own GEMM of H·W columns, or the maps were copied together and apart
 * again for every layer); a depthwise convolution is one call over C·B planes; elementwise
 * ops (Clip, Add, BatchNormalization) run on the rows as they are. Each value is computed as
 * in the image-major pass: a row of the GEMM is the same sum over the same channels.
 */

/** Below this many positions a map is stored channels-first (where the image-major pass copies 1×1 convolutions side by side: conv-common.ts imagesPerPass). */
export const SMALL_PLANE = 256;

export type Layout = 'images' | 'channels';

export type Kind = 'pointwise' | 'depthwise' | 'elementwise';

const isImage = (s: Shape | undefined): s is Shape => !!s && s.length === 4 && s[0] === 1;
const plane = (s: Shape): number => s[2] * s[3];

function isVariable(model: PreparedModel, name: string): boolean {
  return name !== '' && !model.constants.has(name);
}

/**
 * How node `v` runs channels-first, or null when it runs image-major: every varying tensor it
 * reads and writes is an image of fewer than SMALL_PLANE positions, and it is a Conv with
 * constant weights that is 1×1 (one group) or depthwise, or an elementwise op whose constants
 * hold one value per channel or one in all.
 */
export function channelsFirstKind(model: PreparedModel, v: VariableNode): Kind | null {
  const { node, ctx } = v;
  if (node.outputs.length !== 1 || !isImage(v.outputShapes[0]) || plane(v.outputShapes[0]) >= SMALL_PLANE) return null;
  const variables = node.inputs.map((name) => isVariable(model, name));
  if (!variables.some(Boolean)) return null;
  for (let i = 0; i < node.inputs.length; i++) {
    const s = ctx.inputShapes[i];
    if (variables[i] && (!isImage(s) || plane(s) >= SMALL_PLANE)) return null;
  }
  if (node.opType === 'Conv') return convKind(v, variables);
  return positionwise(v, variables) ? 'elementwise' : null;
}

function convKind(v: VariableNode, variables: readonly boolean[]): Kind | null {
  const { node, ctx } = v;
  if (!variables[0] || variables[1] || variables[2]) return null;
  const x = ctx.inputShapes[0]!;
  const w = ctx.inputShapes[1];
  if (!w || w.length !== 4) return null;
  const group = attrNumber(node, 'group', 1);
  const strides = (node.attrs.strides as number[] | undefined) ?? [1, 1];
  const pads = (node.attrs.pads as number[] | undefined) ?? [0, 0, 0, 0];
  const autoPad = String(node.attrs.auto_pad ?? 'NOTSET');
  if (group === 1 && w[2] === 1 && w[3] === 1) {
    const plain = strides.every((s) => s === 1) && pads.every((p) => p === 0) && (autoPad === 'NOTSET' || autoPad === 'VALID' || autoPad.startsWith('SAME'));
    return plain ? 'pointwise' : null;
  }
  return group === x[1] && w[0] === group && w[1] === 1 ? 'depthwise' : null;
}

type Floats = Float32Array | Float64Array;

const like = (data: Floats): Floats => (data instanceof Float32Array ? scratchFloats(data.length) : new Float64Array(data.length));

/** B images × C × P values → C × (B·P). */
export function toChannels(data: Floats, batch: number, channels: number, positions: number): Floats {
  const out = like(data);
  const row = batch * positions;
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < channels; c++) {
      const from = (b * channels + c) * positions;
      out.set(data.subarray(from, from + positions), c * row + b * positions);
    }
  }
  return out;
}

/** C × (B·P) values → B images × C × P. */
export function toImages(data: Floats, batch: number, channels: number, positions: number): Floats {
  const out = like(data);
  const row = batch * positions;
  for (let c = 0; c < channels; c++) {
    for (let b = 0; b < batch; b++) {
      const from = c * row + b * positions;
      out.set(data.subarray(from, from + positions), (b * channels + c) * positions);
    }
  }
  return out;
}

let runs = 0;

/** How many nodes have run channels-first (tests check the path ran). */
export function channelsFirstRuns(): number {
  return runs;
}

/**
 * Runs `v` (channelsFirstKind `kind`) on channels-first `inputs` (one per node input, constants
 * as they are) for `batch` images; returns its output, channels-first. `clamp`: a Clip fused
 * into the Conv (forward-fuse.ts).
 */
export function runChannelsFirst(kind: Kind, v: VariableNode, inputs: readonly (Tensor | undefined)[], batch: number, clamp?: ClampBounds): Tensor {
  const { ctx } = v;
  runs++;
  // A row of B·H·W values seen as one image 1 × C × 1 × (B·H·W): a 1×1 convolution and an
  // elementwise op give each position what they give it in its own image.
  const asRow = (s: Shape): Shape => [1, s[1], 1, batch * plane(s)];
  const shapes = ctx.inputShapes.map((s, i) => (s && inputs[i] && !ctx.constants[i] && isImage(s) ? asRow(s) : s));
  const tensors = inputs.map((t, i) => (t && !ctx.constants[i] ? { ...t, shape: shapes[i]! } : t));
  if (kind === 'pointwise') return convForward({ ...ctx, inputShapes: shapes }, tensors, clamp);
  if (kind === 'elementwise') return v.op.forward({ ...ctx, inputShapes: shapes }, tensors)[0];
  return depthwise(ctx, inputs, batch, clamp);
}

/**
 * A depthwise convolution over C × B planes: channel c's weights (and bias) repeated for each
 * of its B planes, as a depthwise convolution of one image with C·B channels.
 */
function depthwise(ctx: OpContext, inputs: readonly (Tensor | undefined)[], batch: number, clamp?: ClampBounds): Tensor {
  const [, C, H, W] = ctx.inputShapes[0]!;
  const wShape = ctx.inputShapes[1]!;
  const taps = wShape[2] * wShape[3];
  const w = inputs[1]!.data as Float32Array;
  const planes = C * batch;
  const wRepeated = scratchFloats(planes * taps);
  for (let c = 0; c < C; c++) {
    const wc = w.subarray(c * taps, (c + 1) * taps);
    for (let b = 0; b < batch; b++) wRepeated.set(wc, (c * batch + b) * taps);
  }
  const bias = inputs[2]?.data as Float32Array | undefined;
  let biasRepeated: Float32Array | undefined;
  if (bias) {
    biasRepeated = new Float32Array(planes);
    for (let c = 0; c < C; c++) biasRepeated.fill(bias[c], c * batch, (c + 1) * batch);
  }
  const node = { ...ctx.node, attrs: { ...ctx.node.attrs, group: planes } };
  const shapes: (Shape | undefined)[] = [[1, planes, H, W], [planes, 1, wShape[2], wShape[3]], biasRepeated ? [planes] : undefined];
  const tensors: (Tensor | undefined)[] = [
    { ...inputs[0]!, shape: shapes[0]! },
    { dtype: 'float32', shape: shapes[1]!, data: wRepeated },
    biasRepeated ? { dtype: 'float32', shape: [planes], data: biasRepeated } : undefined,
  ];
  // The repeated weights are scratch: not a layer's constants, which the kernels may cache by array.
  const constants = [undefined, undefined, undefined];
  const y = convForward({ ...ctx, node, inputShapes: shapes, constants }, tensors, clamp);
  recycleFloats(wRepeated);
  return y;
}
