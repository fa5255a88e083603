/**
 * Receptive fields (issue 17): the box of the input that can influence a neuron, from the
 * graph's geometry alone (kernel, stride, dilation, padding, pooling). x* is zero outside
 * it in every mode, since every mode's x* is a vector–Jacobian product of the seed. The
 * rules are conservative: an op this module does not follow spatially (dense layers, global
 * pooling, reshapes, softmax …) makes its whole input count.
 */
import { attrNumber, attrNumbers } from './graph';
import { isChannelsLastLayout } from './input-layout';
import type { OpContext } from './op';
import { forwardWindow, kernelOf, transposedWindow, type Window } from './ops/conv-geometry';
import type { CropBox, LayerCrops, LayerInfo, PreparedModel, VariableNode } from './prepared-model';
import type { Objective } from './seeds';
import type { Shape } from './tensor';

/** Inclusive index ranges [lo, hi], one per axis of a tensor (batch axis included). */
type Region = [number, number][];

const WINDOW_OPS = new Set(['Conv', 'ConvInteger', 'MaxPool', 'AveragePool', 'LpPool']);
const ROUTING_OPS = new Set(['Concat', 'Split', 'Slice', 'Gather']);
/** Same-shape ops that still mix positions. */
const MIXING_OPS = new Set(['Softmax', 'LogSoftmax', 'Hardmax', 'InstanceNormalization', 'LpNormalization', 'MeanVarianceNormalization', 'CumSum', 'LayerNormalization', 'GroupNormalization']);
/** Above this many neurons a layer whose boxes may differ per neuron gets no crop (the work would not pay). */
const MAX_PER_NEURON = 4096;

const whole = (shape: Shape): Region => shape.map((d) => [0, d - 1]);
const sameShape = (a: Shape | undefined, b: Shape | undefined): boolean => !!a && !!b && a.length === b.length && a.every((d, i) => d === b[i]);

function union(a: Region | undefined, b: Region): Region {
  return a ? a.map(([lo, hi], i) => [Math.min(lo, b[i][0]), Math.max(hi, b[i][1])]) : b;
}

/** The input positions a window op reads for the output positions in `out` (spatial axes only). */
function throughWindow(w: Window, out: Region, inShape: Shape, transposed: boolean): Region | null {
  const region: Region = whole(inShape);
  const first = inShape.length - w.kernel.length;
  for (let i = 0; i < w.kernel.length; i++) {
    const [a, b] = out[first + i];
    const s = w.strides[i];
    const span = (w.kernel[i] - 1) * w.dilations[i];
    const n = inShape[first + i];
    // Forward: output o reads o·s − pad + k·d. Transposed: input x writes x·s − pad + k·d of the output.
    const lo = transposed ? Math.ceil((a + w.padsBegin[i] - span) / s) : a * s - w.padsBegin[i];
    const hi = transposed ? Math.floor((b + w.padsBegin[i]) / s) : b * s - w.padsBegin[i] + span;
    region[first + i] = [Math.max(0, lo), Math.min(n - 1, hi)];
    if (region[first + i][0] > region[first + i][1]) return null;
  }
  return region;
}

/** The region of each variable input of `v` that its outputs' regions read. */
function backward(v: VariableNode, outRegion: Region, model: PreparedModel): (Region | null | undefined)[] {
  const { node } = v;
  const ctx: OpContext = v.ctx;
  const shapeOf = (i: number): Shape | undefined => ctx.inputShapes[i];
  const variable = (i: number): boolean => node.inputs[i] !== '' && !model.constants.has(node.inputs[i]);
  const allInputs = (): (Region | undefined)[] => node.inputs.map((_, i) => (variable(i) ? whole(shapeOf(i)!) : undefined));
  const outShape = v.outputShapes[0];
  const op = node.opType;
  try {
    if (WINDOW_OPS.has(op) || op === 'ConvTranspose') {
      const x = shapeOf(0)!;
      const rank = x.length - 2;
      const weight = op === 'Conv' || op === 'ConvTranspose' || op === 'ConvInteger' ? shapeOf(1)?.slice(2) : undefined;
      const kernel = kernelOf(ctx, rank, weight);
      const window = op === 'ConvTranspose'
        ? transposedWindow(ctx, x.slice(2), kernel)
        : forwardWindow(ctx, x.slice(2), kernel, { ceilMode: attrNumber(node, 'ceil_mode', 0) !== 0, dilations: op !== 'AveragePool' || node.attrs.dilations !== undefined });
      const r = throughWindow(window, outRegion, x, op === 'ConvTranspose');
      return [r, ...node.inputs.slice(1).map(() => undefined)];
    }
    if (op === 'Transpose') {
      const perm = attrNumbers(node, 'perm', undefined) ?? outShape.map((_, i) => outShape.length - 1 - i);
      const r: Region = whole(shapeOf(0)!);
      perm.forEach((p, i) => (r[p] = outRegion[i]));
      return [r];
    }
    if (op === 'Pad') {
      const x = shapeOf(0)!;
      const pads = ctx.constants[1] ? Array.from(ctx.constants[1].data, Number) : attrNumbers(node, 'pads', undefined);
      if (!pads || pads.length !== 2 * x.length || (node.inputs.length > 3 && node.inputs[3])) return allInputs();
      const r: Region = x.map((d, i) => [Math.max(0, outRegion[i][0] - pads[i]), Math.min(d - 1, outRegion[i][1] - pads[i])]);
      return [r.some(([lo, hi]) => lo > hi) ? null : r, ...node.inputs.slice(1).map(() => undefined)];
    }
    if (op === 'Concat') {
      const axis = (attrNumber(node, 'axis', 0) + outShape.length) % outShape.length;
      let offset = 0;
      return node.inputs.map((_, i) => {
        const s = shapeOf(i)!;
        const [a, b] = [Math.max(outRegion[axis][0], offset), Math.min(outRegion[axis][1], offset + s[axis] - 1)];
        const start = offset;
        offset += s[axis];
        if (!variable(i)) return undefined;
        if (a > b) return null;
        const r = outRegion.map((x) => [...x] as [number, number]);
        r[axis] = [a - start, b - start];
        return r;
      });
    }
    if (!MIXING_OPS.has(op)) {
      // Element by element (activations, batch norm, arithmetic with broadcasting, identities).
      const same = node.inputs.map((_, i) => !variable(i) || sameShape(shapeOf(i), outShape) || broadcasts(shapeOf(i)!, outShape));
      if (same.every(Boolean) && node.outputs.length === 1) {
        return node.inputs.map((_, i) => (variable(i) ? broadcastRegion(outRegion, shapeOf(i)!, outShape) : undefined));
      }
    }
  } catch {
    // Geometry that does not parse is refused elsewhere; here it only means "everything".
  }
  return allInputs();
}

function broadcasts(input: Shape, out: Shape): boolean {
  if (input.length > out.length) return false;
  const k = out.length - input.length;
  return input.every((d, i) => d === 1 || d === out[k + i]);
}

function broadcastRegion(outRegion: Region, input: Shape, out: Shape): Region {
  const k = out.length - input.length;
  return input.map((d, i) => (d === 1 ? [0, 0] : outRegion[k + i]));
}

/** The seed's support in the layer's output (with its batch axis, when it has one). */
function seedRegion(layer: LayerInfo, neuron: number, objective: 'neuron' | 'channel'): Region {
  const full = layer.outputShape;
  const lead = full.length - layer.featureShape.length;
  const r = whole(full);
  const f = layer.featureShape;
  if (layer.channelAxis === null) {
    let rest = neuron;
    for (let i = f.length - 1; i >= 0; i--) {
      r[lead + i] = [rest % f[i], rest % f[i]];
      rest = Math.floor(rest / f[i]);
    }
    return r;
  }
  r[lead + layer.channelAxis] = [neuron, neuron];
  if (objective === 'neuron') {
    f.forEach((d, i) => {
      if (i !== layer.channelAxis) r[lead + i] = [Math.floor((d - 1) / 2), Math.floor((d - 1) / 2)];
    });
  }
  return r;
}

/** The input region that reaches the seed, or null when none does. */
function inputRegion(model: PreparedModel, layer: LayerInfo, start: Region): Region | null {
  return tensorRegions(model, layer, start).get(model.inputName) ?? null;
}

/** The region of every tensor behind the layer that reaches the seed. */
function tensorRegions(model: PreparedModel, layer: LayerInfo, start: Region): Map<string, Region> {
  const regions = new Map<string, Region>([[layer.id, start]]);
  const producer = model.producer.get(layer.id);
  const end = producer ? model.nodes.indexOf(producer) : -1;
  for (let n = end; n >= 0; n--) {
    const v = model.nodes[n];
    const out = v.node.outputs.map((o) => regions.get(o)).find((r) => r !== undefined);
    if (!out) continue;
    const ins = backward(v, out, model);
    ins.forEach((r, i) => {
      const name = v.node.inputs[i];
      if (r && name) regions.set(name, union(regions.get(name), r));
    });
  }
  return regions;
}

/**
 * Values of each tensor behind a layer that its first neuron's seed reaches (the centre of
 * channel 0 for image layers): the cone a cropped reversal or forward pass works on (the estimate).
 */
export function coneValues(model: PreparedModel, layer: LayerInfo): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const [name, r] of tensorRegions(model, layer, seedRegion(layer, 0, 'neuron'))) sizes.set(name, r.reduce((n, [lo, hi]) => n * (hi - lo + 1), 1));
  return sizes;
}

/** The image axes (H, W) of the input with its batch axis, or null when the input is not drawn as an image. */
function imageAxes(model: PreparedModel): [number, number] | null {
  if (model.imageShape || model.inputFeatureShape.length !== 3) return null;
  const r = model.inputShape.length;
  return isChannelsLastLayout(model.inputLayout) ? [r - 3, r - 2] : [r - 2, r - 1];
}

function boxOf(region: Region | null, axes: [number, number]): CropBox | null {
  if (!region) return null;
  const [y, x] = axes.map((a) => region[a]);
  return [y[0], x[0], y[1] - y[0] + 1, x[1] - x[0] + 1];
}

const sameBox = (a: CropBox | null, b: CropBox | null): boolean => (a === null ? b === null : b !== null && a.every((v, i) => v === b[i]));

/** Whether some op between the input and the layer sends different channels different ways. */
function routes(model: PreparedModel, layer: LayerInfo): boolean {
  const producer = model.producer.get(layer.id);
  const end = producer ? model.nodes.indexOf(producer) : -1;
  for (let n = 0; n <= end; n++) if (ROUTING_OPS.has(model.nodes[n].node.opType)) return true;
  return false;
}

/** The crops of a layer's neurons (centre objective) and channels (channel objective); null crops for non-image inputs. */
export function layerCrops(model: PreparedModel, layer: LayerInfo): LayerCrops {
  const axes = imageAxes(model);
  if (!axes) return { neuron: null, channel: null };
  const full = (b: CropBox | null): boolean => b !== null && b[0] === 0 && b[1] === 0 && b[2] === model.inputShape[axes[0]] && b[3] === model.inputShape[axes[1]];
  const box = (neuron: number, objective: 'neuron' | 'channel'): CropBox | null => boxOf(inputRegion(model, layer, seedRegion(layer, neuron, objective)), axes);
  const first = box(0, 'neuron');
  const perNeuron = layer.neurons > 1 && (layer.channelAxis === null ? !full(first) : routes(model, layer));
  let neuron: CropBox | readonly CropBox[] | null = full(first) ? null : first;
  if (perNeuron) {
    if (layer.neurons > MAX_PER_NEURON) {
      neuron = null;
    } else {
      const boxes = Array.from({ length: layer.neurons }, (_, i) => (i === 0 ? first : box(i, 'neuron')));
      const known = boxes.filter((b): b is CropBox => b !== null);
      neuron = known.length === 0 ? null : boxes.every((b) => sameBox(b, first)) ? first : boxes.map((b) => b ?? known[0]);
    }
  }
  const channelBox = layer.channelAxis === null ? null : box(0, 'channel');
  return { neuron, channel: full(channelBox) || (perNeuron && layer.channelAxis !== null) ? null : channelBox };
}

/** The crop of neuron `i` under an objective, or null for the whole input. */
export function cropOf(crops: LayerCrops | undefined, objective: Objective['kind'], i: number): CropBox | null {
  if (!crops) return null;
  if (objective === 'channel') return crops.channel;
  if (objective !== 'neuron' || crops.neuron === null) return null;
  return isBoxList(crops.neuron) ? crops.neuron[i] ?? null : crops.neuron;
}

export function isBoxList(c: CropBox | readonly CropBox[]): c is readonly CropBox[] {
  return Array.isArray(c[0]);
}

/** One box holding every neuron's box: a layer's thumbnails share a size. */
export function unionCrop(crops: LayerCrops | undefined, objective: Objective['kind']): CropBox | null {
  if (!crops) return null;
  const c = objective === 'channel' ? crops.channel : objective === 'neuron' ? crops.neuron : null;
  if (c === null) return null;
  if (!isBoxList(c)) return c;
  const y0 = Math.min(...c.map((b) => b[0]));
  const x0 = Math.min(...c.map((b) => b[1]));
  const y1 = Math.max(...c.map((b) => b[0] + b[2]));
  const x1 = Math.max(...c.map((b) => b[1] + b[3]));
  return [y0, x0, y1 - y0, x1 - x0];
}
