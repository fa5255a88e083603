import type { AttrValue } from './graph';
import { ModelError } from './graph';
import { ancestorsOf } from './forward';
import { fusedClips, type FusedClips } from './forward-fuse';
import { convForward } from './ops/conv';
import type { OpContext } from './op';
import { forwardWindow, kernelOf, type Window } from './ops/conv-geometry';
import type { PreparedModel, VariableNode } from './prepare';
import { recycleFloats, scratchFloats, zeroedFloats } from './kernels/scratch';
import { recycleIfUnshared } from './forward-recycle';
import type { Shape, Tensor } from './tensor';

/**
 * The batched forward pass cropped to a cone (issue 18). The activation a neuron reaches at
 * x* reads one position of its layer; that position depends only on a box of each tensor
 * behind it (its receptive field, one kernel wider per convolution back). Here every tensor
 * is computed on that box only, for a batch of inputs: a convolution runs on the box of its
 * input with its padding shifted so that each output in the box reads the same inputs as on
 * the whole map (reads past the box are past the map, where the padding is zero anyway);
 * elementwise ops and channel Concat run on the box as it is. The values equal those of the
 * whole-map forward pass. Models with anything else behind the layer (pooling, reshapes,
 * dense layers, non-image tensors) get null: the caller runs the whole-map pass.
 */

/** Rows [h0, h1) and columns [w0, w1) of the N×C×H×W tensors of a model. */
export interface SpatialBox {
  readonly h0: number;
  readonly h1: number;
  readonly w0: number;
  readonly w1: number;
}

/** 'whole': a Transpose of the model's input (a channels-last input made channels-first), run on the whole input. */
export type Rule = 'window' | 'pointwise' | 'whole';

/** The cropped pass is used when its tensors hold at most this share of the whole-map values. */
const WORTH_CROPPING = 0.6;

export interface RegionPlan {
  readonly nodes: readonly VariableNode[];
  readonly rules: readonly Rule[];
  /** The box of each variable tensor that some node behind the target reads (or the target itself). */
  readonly boxes: ReadonlyMap<string, SpatialBox>;
  /** The index of the last node reading each tensor. */
  readonly lastUse: ReadonlyMap<string, number>;
  /** Clips run inside their Conv when the values are not kept (forward-fuse.ts). */
  readonly fused: FusedClips;
}

const isImage = (s: Shape | undefined): s is Shape => !!s && s.length === 4 && s[0] === 1;
const boxKey = (b: SpatialBox): string => `${b.h0},${b.h1},${b.w0},${b.w1}`;
const sameBox = (a: SpatialBox, b: SpatialBox): boolean => a.h0 === b.h0 && a.h1 === b.h1 && a.w0 === b.w0 && a.w1 === b.w1;
const union = (a: SpatialBox | undefined, b: SpatialBox): SpatialBox =>
  a ? { h0: Math.min(a.h0, b.h0), h1: Math.max(a.h1, b.h1), w0: Math.min(a.w0, b.w0), w1: Math.max(a.w1, b.w1) } : b;

function isVariable(model: PreparedModel, name: string): boolean {
  return name !== '' && !model.constants.has(name);
}

/** How a node maps boxes: through its window (Conv with constant weights), position by position, or not at all. */
function ruleOf(model: PreparedModel, v: VariableNode): Rule | null {
  const { node, ctx } = v;
  if (node.outputs.length !== 1 || !isImage(v.outputShapes[0])) return null;
  if (node.opType === 'Transpose' && node.inputs.length === 1 && node.inputs[0] === model.inputName) return 'whole';
  const variables = node.inputs.map((name) => isVariable(model, name));
  if (variables.some((isVar, i) => isVar && !isImage(ctx.inputShapes[i]))) return null;
  if (node.opType === 'Conv') return variables[0] && !variables[1] && !variables[2] ? 'window' : null;
  if (node.opType === 'Concat') {
    const rank = v.outputShapes[0].length;
    const axis = Number(node.attrs.axis ?? 0);
    return (axis + rank) % rank === 1 && variables.every(Boolean) ? 'pointwise' : null;
  }
  return positionwise(v, variables) ? 'pointwise' : null;
}

/**
 * An elementwise op taking a batch (OpDef.batchFirst) whose varying inputs have its output's
 * shape and whose constants hold one value per channel or one in all (BatchNormalization's
 * are per channel): each output position reads only that position, the same way wherever the
 * maps are cut or laid out (the cropped pass here, the channels-first one in forward-channels.ts).
 */
export function positionwise(v: VariableNode, variables: readonly boolean[]): boolean {
  const { node, ctx } = v;
  if (!v.op.elementwise || !v.op.batchFirst?.(ctx)) return false;
  const out = v.outputShapes[0];
  for (let i = 0; i < node.inputs.length; i++) {
    const s = ctx.inputShapes[i];
    if (!s) continue;
    if (variables[i]) {
      if (s.some((d, a) => d !== out[a])) return false;
    } else if (node.opType !== 'BatchNormalization' && (s.length > 4 || s.slice(-2).some((d) => d !== 1) || (s.length === 4 && s[0] !== 1))) {
      // A constant broadcast over the spatial axes (or the batch axis) would need them apart.
      return false;
    }
  }
  return true;
}

function convWindow(ctx: OpContext): Window {
  const x = ctx.inputShapes[0]!;
  return forwardWindow(ctx, x.slice(2), kernelOf(ctx, 2, ctx.inputShapes[1]!.slice(2)));
}

/** The input box a Conv reads for the outputs in `out` (clipped to the map). */
export function convInputBox(ctx: OpContext, out: SpatialBox): SpatialBox {
  const w = convWindow(ctx);
  const [H, W] = ctx.inputShapes[0]!.slice(2);
  const axis = (o0: number, o1: number, a: number, n: number): [number, number] => {
    const span = (w.kernel[a] - 1) * w.dilations[a];
    return [Math.max(0, o0 * w.strides[a] - w.padsBegin[a]), Math.min(n, (o1 - 1) * w.strides[a] - w.padsBegin[a] + span + 1)];
  };
  const [h0, h1] = axis(out.h0, out.h1, 0, H);
  const [w0, w1] = axis(out.w0, out.w1, 1, W);
  return { h0, h1, w0, w1 };
}

const plans = new WeakMap<PreparedModel, Map<string, RegionPlan | null>>();

export function regionPlan(model: PreparedModel, target: string, box: SpatialBox): RegionPlan | null {
  let perModel = plans.get(model);
  if (!perModel) plans.set(model, (perModel = new Map()));
  const key = `${target}\u0000${boxKey(box)}`;
  if (perModel.has(key)) return perModel.get(key)!;
  const plan = makePlan(model, target, box);
  perModel.set(key, plan);
  return plan;
}

function makePlan(model: PreparedModel, target: string, box: SpatialBox): RegionPlan | null {
  if (!isImage(model.inputShape)) return null;
  const nodes = ancestorsOf(model, target);
  const boxes = new Map<string, SpatialBox>([[target, box]]);
  const rules: Rule[] = [];
  for (let n = nodes.length - 1; n >= 0; n--) {
    const v = nodes[n];
    const rule = ruleOf(model, v);
    if (!rule) return null;
    rules[n] = rule;
    const out = boxes.get(v.node.outputs[0]);
    if (!out) return null;
    if (rule === 'whole') {
      boxes.set(v.node.outputs[0], fullBox(v.outputShapes[0]));
      continue;
    }
    const need = rule === 'window' ? convInputBox(v.ctx, out) : out;
    if (need.h0 >= need.h1 || need.w0 >= need.w1) return null;
    for (const name of v.node.inputs) if (isVariable(model, name)) boxes.set(name, union(boxes.get(name), need));
  }
  // Where the cone covers most of every map, the whole-map pass is as fast (its pointwise
  // convolutions need no im2col, and nothing is copied): measured on MobileNetV2.
  let cropped = 0;
  let whole = 0;
  for (const v of nodes) {
    const s = v.outputShapes[0];
    const b = boxes.get(v.node.outputs[0])!;
    cropped += s[1] * (b.h1 - b.h0) * (b.w1 - b.w0);
    whole += s[1] * s[2] * s[3];
  }
  if (cropped > WORTH_CROPPING * whole) return null;
  const lastUse = new Map<string, number>();
  nodes.forEach((v, n) => v.node.inputs.forEach((name) => name && name !== target && lastUse.set(name, n)));
  const fused = fusedClips(model, nodes, target, (n) => rules[n] !== 'whole');
  return { nodes, rules, boxes, lastUse, fused };
}

const fullBox = (s: Shape): SpatialBox => ({ h0: 0, h1: s[2], w0: 0, w1: s[3] });

interface BoxedValue {
  readonly box: SpatialBox;
  readonly channels: number;
  readonly data: Float32Array;
}

/** `value` restricted to `box` (inside value.box), for `batch` images; the value's own array when the boxes are equal. */
function cropTo(value: BoxedValue, box: SpatialBox, batch: number): Float32Array {
  if (sameBox(value.box, box)) return value.data;
  const { h0, w0 } = value.box;
  const inW = value.box.w1 - value.box.w0;
  const inPlane = (value.box.h1 - h0) * inW;
  const bh = box.h1 - box.h0;
  const bw = box.w1 - box.w0;
  const out = scratchFloats(batch * value.channels * bh * bw);
  let o = 0;
  for (let plane = 0; plane < batch * value.channels; plane++) {
    for (let h = box.h0; h < box.h1; h++) {
      const row = plane * inPlane + (h - h0) * inW - w0;
      for (let w = box.w0; w < box.w1; w++) out[o++] = value.data[row + w];
    }
  }
  return out;
}

/** The Conv's attributes with its padding shifted so that its window over `input` gives exactly the outputs in `out`. */
export function shiftedPads(ctx: OpContext, input: SpatialBox, out: SpatialBox): Record<string, AttrValue> {
  const w = convWindow(ctx);
  const begin: number[] = [];
  const end: number[] = [];
  const axes: [number, number, number, number][] = [
    [out.h0, out.h1, input.h0, input.h1],
    [out.w0, out.w1, input.w0, input.w1],
  ];
  axes.forEach(([o0, o1, i0, i1], a) => {
    const span = (w.kernel[a] - 1) * w.dilations[a];
    const b = w.padsBegin[a] - o0 * w.strides[a] + i0;
    begin.push(b);
    end.push((o1 - o0 - 1) * w.strides[a] + span + 1 - (i1 - i0) - b);
  });
  return { ...ctx.node.attrs, auto_pad: 'NOTSET', pads: [...begin, ...end] };
}

/**
 * The values of `target` inside `box` for each of `batch` inputs (batch × size(input)
 * values): batch × channels × box rows × box columns, or null when the model's nodes behind
 * the target cannot be cropped (or need the whole image).
 */
export function runForwardRegion(model: PreparedModel, inputs: Float32Array, batch: number, target: string, box: SpatialBox): Float32Array | null {
  const plan = regionPlan(model, target, box);
  if (!plan) return null;
  return cropTo(regionValues(model, plan, inputs, batch, false).get(target)!, box, batch);
}

/**
 * Every tensor behind `target` for each of `batch` inputs, computed on the cone of `box` only
 * and kept, each as whole maps that are zero outside its box (per-image shape, batch ×
 * size(shape) values, as runForwardBatchValues gives them); null where runForwardRegion is.
 * A reversal from seeds inside `box` reads these values only inside the boxes (its gradients
 * are zero elsewhere), so it gives what it gives at the whole-map values.
 */
export function runForwardRegionValues(model: PreparedModel, inputs: Float32Array, batch: number, target: string, box: SpatialBox): Map<string, Tensor> | null {
  const plan = regionPlan(model, target, box);
  if (!plan) return null;
  const shapes = new Map<string, Shape>([[model.inputName, model.inputShape]]);
  for (const v of plan.nodes) shapes.set(v.node.outputs[0], v.outputShapes[0]);
  const out = new Map<string, Tensor>();
  for (const [name, value] of regionValues(model, plan, inputs, batch, true)) {
    const shape = shapes.get(name)!;
    out.set(name, { dtype: 'float32', shape, data: name === model.inputName ? value.data : wholeMaps(value, shape, batch) });
  }
  return out;
}

/** A boxed value as whole maps of `shape`, zero outside its box. */
function wholeMaps(value: BoxedValue, shape: Shape, batch: number): Float32Array {
  const [, C, H, W] = shape;
  const { h0, h1, w0, w1 } = value.box;
  if (h0 === 0 && w0 === 0 && h1 === H && w1 === W) return value.data;
  const out = zeroedFloats(batch * C * H * W);
  let i = 0;
  for (let plane = 0; plane < batch * C; plane++) {
    for (let h = h0; h < h1; h++) {
      const row = (plane * H + h) * W;
      for (let w = w0; w < w1; w++) out[row + w] = value.data[i++];
    }
  }
  return out;
}

/** The plan's tensors for `batch` inputs, each on its box; with `keep`, none is dropped after its last use. */
function regionValues(model: PreparedModel, plan: RegionPlan, inputs: Float32Array, batch: number, keep: boolean): Map<string, BoxedValue> {
  const [, C, H, W] = model.inputShape;
  const values = new Map<string, BoxedValue>([[model.inputName, { box: { h0: 0, h1: H, w0: 0, w1: W }, channels: C, data: inputs }]]);
  const fused = keep ? undefined : plan.fused;
  for (let n = 0; n < plan.nodes.length; n++) {
    const v = plan.nodes[n];
    if (fused?.clips.has(n)) continue;
    const pair = fused?.byConv.get(n);
    // A fused Clip's output has its Conv's box (it reads nothing else).
    const outName = pair ? plan.nodes[pair.clip].node.outputs[0] : v.node.outputs[0];
    const out = plan.boxes.get(outName)!;
    const rule = plan.rules[n];
    const need = rule === 'window' ? convInputBox(v.ctx, out) : out;
    const shapes: (Shape | undefined)[] = [...v.ctx.inputShapes];
    const tensors: (Tensor | undefined)[] = v.node.inputs.map((name, i) => {
      if (name === '') return undefined;
      const constant = model.constants.get(name);
      if (constant) return constant;
      const value = values.get(name);
      if (!value) throw new ModelError(`node "${v.node.name}" (${v.node.opType}) reads "${name}", which has no value`);
      if (rule === 'whole') {
        shapes[i] = [batch, ...v.ctx.inputShapes[i]!.slice(1)];
        return { dtype: 'float32', shape: shapes[i]!, data: value.data };
      }
      const shape = [batch, value.channels, need.h1 - need.h0, need.w1 - need.w0];
      shapes[i] = shape;
      return { dtype: 'float32', shape, data: cropTo(value, need, batch) };
    });
    const node = rule === 'window' ? { ...v.node, attrs: shiftedPads(v.ctx, need, out) } : v.node;
    const ctx = { ...v.ctx, node, inputShapes: shapes };
    const [result] = pair ? [convForward(ctx, tensors, pair.bounds)] : v.op.forward(ctx, tensors);
    const channels = v.outputShapes[0][1];
    const expected = batch * channels * (out.h1 - out.h0) * (out.w1 - out.w0);
    if (!(result.data instanceof Float32Array) || result.data.length !== expected) {
      throw new ModelError(`node "${v.node.name}" (${v.node.opType}): the cropped forward made ${result.data.length} values, expected ${expected}`);
    }
    // Crops made for this node alone (cropTo hands back the value itself where the boxes agree).
    tensors.forEach((t, i) => {
      const value = values.get(v.node.inputs[i]);
      if (t && value && t.data !== value.data && t.data.buffer !== result.data.buffer) recycleFloats(t.data as Float32Array);
    });
    values.set(outName, { box: out, channels, data: result.data });
    if (keep) continue;
    for (const name of v.node.inputs) {
      if (!name || plan.lastUse.get(name) !== n || name === model.inputName) continue;
      const dropped = values.get(name);
      values.delete(name);
      if (dropped) recycleIfUnshared(model, dropped.data, values.values(), inputs);
    }
  }
  return values;
}

/** The smallest box holding every non-zero value of `batch` seeds over a C×H×W layer, or null for other layers (or all-zero seeds). */
export function seedBox(featureShape: readonly number[], seeds: Float32Array, batch: number): SpatialBox | null {
  if (featureShape.length !== 3) return null;
  const [C, H, W] = featureShape;
  let h0 = H;
  let h1 = 0;
  let w0 = W;
  let w1 = 0;
  const planes = batch * C;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * H * W;
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++) {
        if (seeds[base + h * W + w] === 0) continue;
        if (h < h0) h0 = h;
        if (h >= h1) h1 = h + 1;
        if (w < w0) w0 = w;
        if (w >= w1) w1 = w + 1;
      }
    }
  }
  return h0 < h1 ? { h0, h1, w0, w1 } : null;
}

/** Σ seed·y over the box, for row `b` of seeds (whole C×H×W maps) and of y (C × box). */
export function dotInBox(featureShape: readonly number[], seeds: Float32Array, b: number, y: Float32Array, yRow: number, box: SpatialBox): number {
  const [C, H, W] = featureShape;
  const bh = box.h1 - box.h0;
  const bw = box.w1 - box.w0;
  let s = 0;
  let o = yRow * C * bh * bw;
  for (let c = 0; c < C; c++) {
    for (let h = box.h0; h < box.h1; h++) {
      const row = ((b * C + c) * H + h) * W;
      for (let w = box.w0; w < box.w1; w++) s += seeds[row + w] * y[o++];
    }
  }
  return s;
}
