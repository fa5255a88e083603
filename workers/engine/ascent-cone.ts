import { foldNormalisations } from './ascent-fold';
import { ancestorsOf } from './forward';
import { convInputBox, regionPlan, shiftedPads, type SpatialBox } from './forward-region';
import { coneCropOp } from './ascent-cone-crop';
import type { PreparedModel, VariableNode } from './prepare';
import type { Shape } from './tensor';

/**
 * The model cut to a neuron's cone, for the readable ascent's steps (issue 18). Every tensor
 * behind `target` is only its box (forward-region.ts: the box of it that the seeds' box
 * depends on), each convolution with its padding shifted so that it gives exactly the outputs
 * of its box, and the input is the box of the input that the cone reads. The forward pass and
 * the reversal then run on boxes, not on whole maps zero outside them: ReLU and
 * BatchNormalization reversals, gradient sums and the transposed convolutions' scans all
 * touch only the cone. The values inside the boxes are those of the whole model; the
 * gradient on the input's box is the whole model's there, and zero outside it (nothing
 * outside the cone reaches the seeds).
 */
export interface ConeModel {
  readonly model: PreparedModel;
  /** Whole inputs (rows × the model's input size) → the cone's input boxes. */
  cropInputs(inputs: Float32Array, rows: number): Float32Array;
  /** Gradients on the cone's input boxes → whole inputs, zero outside the box. */
  pasteInputs(grads: Float32Array, rows: number): Float32Array;
  /** Seeds (rows × C×H×W of a tensor of the box's shape, zero outside the box) → rows × C × box. */
  cropSeeds(seeds: Float32Array, rows: number): Float32Array;
  /** An element of a C×H×W tensor inside the box → its index in the cropped tensor (−1 outside). */
  index(i: number): number;
}

/** Input boxes per axis of the model's input (without the batch): [start, end) on each. */
type Ranges = readonly (readonly [number, number])[];

const cache = new WeakMap<PreparedModel, Map<string, ConeModel | null>>();

/**
 * The cone model of `target` from the seeds' `box`, or null where the cropped forward pass
 * does not apply (forward-region.ts). BatchNormalizations are folded into the convolutions
 * before them (ascent-fold.ts) except where that would drop a tensor of `keep`.
 */
export function coneModel(model: PreparedModel, target: string, box: SpatialBox, keep: readonly string[] = []): ConeModel | null {
  return cached(model, `${target}\u0000${box.h0},${box.h1},${box.w0},${box.w1}\u0000${keep.join('\u0000')}`, () => makeCone(model, target, box, keep));
}

/** The whole model behind `target` with coneModel's folding (crop and paste are the identity), for layers whose cone is not cropped. */
export function foldedModel(model: PreparedModel, target: string, keep: readonly string[] = []): ConeModel {
  return cached(model, `${target}\u0000whole\u0000${keep.join('\u0000')}`, () => {
    const step = withNodes(model, ancestorsOf(model, target), model.shapes, model.inputShape, [target, ...keep]);
    return { model: step, cropInputs: (x) => x, pasteInputs: (g) => g, cropSeeds: (s) => s, index: (i) => i };
  })!;
}

function cached<T extends ConeModel | null>(model: PreparedModel, key: string, make: () => T): T {
  let perModel = cache.get(model);
  if (!perModel) cache.set(model, (perModel = new Map()));
  if (!perModel.has(key)) perModel.set(key, make());
  return perModel.get(key) as T;
}

/** `model` running `nodes` (in order) with these shapes and input shape, BatchNormalizations folded where `keep` allows. */
function withNodes(model: PreparedModel, nodes: readonly VariableNode[], shapes: ReadonlyMap<string, Shape>, inputShape: Shape, keep: readonly string[]): PreparedModel {
  const folded = foldNormalisations(nodes, model.constants, new Set(keep));
  const producer = new Map<string, VariableNode>();
  for (const v of folded.nodes) for (const o of v.node.outputs) if (o) producer.set(o, v);
  return { ...model, inputShape, inputFeatureShape: inputShape.slice(1), shapes, constants: folded.constants, nodes: folded.nodes, producer, layers: [] };
}

function makeCone(model: PreparedModel, target: string, box: SpatialBox, keep: readonly string[]): ConeModel | null {
  const plan = regionPlan(model, target, box);
  if (!plan) return null;
  // What each tensor's readers need of it (the plan keeps a 'whole' Transpose's output whole).
  const need = new Map<string, SpatialBox>();
  plan.nodes.forEach((v, n) => {
    const out = plan.boxes.get(v.node.outputs[0])!;
    const wants = plan.rules[n] === 'window' ? convInputBox(v.ctx, out) : out;
    for (const name of v.node.inputs) if (name && !model.constants.has(name)) need.set(name, unionBox(need.get(name), wants));
  });
  const boxOf = (name: string): SpatialBox | undefined => (name === target ? box : need.get(name));
  const featureShape = model.inputFeatureShape;
  if (model.inputShape.length !== 4 || featureShape.length !== 3) return null;
  let ranges: Ranges;
  const inputBox = boxOf(model.inputName);
  const readers = plan.nodes.filter((v) => v.node.inputs.includes(model.inputName));
  if (readers.length === 1 && readers[0].node.opType === 'Transpose') {
    // A channels-last input made channels-first: its box on the input's own axes.
    const perm = (readers[0].node.attrs.perm as readonly number[] | undefined) ?? [3, 2, 1, 0];
    const b = boxOf(readers[0].node.outputs[0]);
    if (!b || perm[0] !== 0) return null;
    const r: [number, number][] = featureShape.map((d) => [0, d]);
    r[perm[2] - 1] = [b.h0, b.h1];
    r[perm[3] - 1] = [b.w0, b.w1];
    ranges = r;
  } else if (inputBox && readers.every((v) => v.node.opType !== 'Transpose')) {
    ranges = [[0, featureShape[0]], [inputBox.h0, inputBox.h1], [inputBox.w0, inputBox.w1]];
  } else {
    return null;
  }
  const inputShape: Shape = [1, ...ranges.map(([a, b]) => b - a)];
  const shapes = new Map(model.shapes);
  shapes.set(model.inputName, inputShape);
  const nodes: VariableNode[] = [];
  plan.nodes.forEach((v, n) => {
    const out = v.node.outputs[0];
    const inputShapes = v.node.inputs.map((name) => (name === '' ? undefined : shapes.get(name)));
    let outShape: Shape;
    let node = v.node;
    if (plan.rules[n] === 'whole') {
      const perm = (v.node.attrs.perm as readonly number[] | undefined) ?? [3, 2, 1, 0];
      outShape = perm.map((a) => inputShape[a]);
    } else {
      const b = boxOf(out)!;
      outShape = [1, v.outputShapes[0][1], b.h1 - b.h0, b.w1 - b.w0];
      const own = plan.rules[n] === 'window' ? convInputBox(v.ctx, b) : b;
      // A node reading less of a tensor than other readers do gets its own part first (pads cannot be negative, shapes must match).
      const inputs = v.node.inputs.map((name, i) => {
        const held = name && !model.constants.has(name) ? boxOf(name) : undefined;
        if (!held || sameBox(held, own)) return name;
        const crop = cropNode(v, name, held, own, inputShapes[i]!);
        nodes.push(crop);
        shapes.set(crop.node.outputs[0], crop.outputShapes[0]);
        inputShapes[i] = crop.outputShapes[0];
        return crop.node.outputs[0];
      });
      node = { ...v.node, inputs, ...(plan.rules[n] === 'window' ? { attrs: shiftedPads(v.ctx, own, b) } : {}) };
    }
    shapes.set(out, outShape);
    const cut: VariableNode = { node, op: v.op, ctx: { ...v.ctx, node, inputShapes }, outputShapes: [outShape], nonlinear: v.nonlinear };
    nodes.push(cut);
  });
  const cone = withNodes(model, nodes, shapes, inputShape, [target, ...keep]);
  const [C, H, W] = model.shapes.get(target)!.slice(1);
  const bh = box.h1 - box.h0;
  const bw = box.w1 - box.w0;
  return {
    model: cone,
    cropInputs: (inputs, rows) => moveBox(featureShape, ranges, inputs, rows, true),
    pasteInputs: (grads, rows) => moveBox(featureShape, ranges, grads, rows, false),
    cropSeeds: (seeds, rows) => moveBox([C, H, W], [[0, C], [box.h0, box.h1], [box.w0, box.w1]], seeds, rows, true),
    index(i) {
      const c = Math.floor(i / (H * W));
      const h = Math.floor(i / W) % H;
      const w = i % W;
      return h < box.h0 || h >= box.h1 || w < box.w0 || w >= box.w1 ? -1 : (c * bh + h - box.h0) * bw + w - box.w0;
    },
  };
}

/** Rows of rank-3 `shape` arrays to their `ranges` (crop) or back, zero outside (paste). */
function moveBox(shape: readonly number[], ranges: Ranges, data: Float32Array, rows: number, crop: boolean): Float32Array {
  const [[a0, a1], [b0, b1], [c0, c1]] = ranges;
  const [, B, Cd] = shape;
  const whole = shape[0] * B * Cd;
  const part = (a1 - a0) * (b1 - b0) * (c1 - c0);
  const out = new Float32Array(rows * (crop ? part : whole));
  const width = c1 - c0;
  let k = 0;
  for (let r = 0; r < rows; r++) {
    for (let a = a0; a < a1; a++) {
      for (let b = b0; b < b1; b++, k += width) {
        const at = r * whole + (a * B + b) * Cd + c0;
        // Loops, not set(subarray()): a run is often one pixel's few channels (channels-last input).
        if (crop) for (let i = 0; i < width; i++) out[k + i] = data[at + i];
        else for (let i = 0; i < width; i++) out[at + i] = data[k + i];
      }
    }
  }
  return out;
}

/** A crop (ascent-cone-crop.ts) of a node's input from the box `held` (its tensor in the cone) to the box `own` (what the node reads). */
function cropNode(v: VariableNode, input: string, held: SpatialBox, own: SpatialBox, shape: Shape): VariableNode {
  const name = `${input}\u0000cone:${v.node.name}`;
  const node = { name, opType: coneCropOp.type, inputs: [input], outputs: [name], attrs: { box: [own.h0 - held.h0, own.w0 - held.w0, own.h1 - own.h0, own.w1 - own.w0] } };
  const outShape: Shape = [shape[0], shape[1], own.h1 - own.h0, own.w1 - own.w0];
  return { node, op: coneCropOp, ctx: { node, inputShapes: [shape], constants: [undefined], opset: v.ctx.opset }, outputShapes: [outShape], nonlinear: false };
}

const sameBox = (a: SpatialBox, b: SpatialBox): boolean => a.h0 === b.h0 && a.h1 === b.h1 && a.w0 === b.w0 && a.w1 === b.w1;

function unionBox(a: SpatialBox | undefined, b: SpatialBox): SpatialBox {
  return a ? { h0: Math.min(a.h0, b.h0), h1: Math.max(a.h1, b.h1), w0: Math.min(a.w0, b.w0), w1: Math.max(a.w1, b.w1) } : b;
}
