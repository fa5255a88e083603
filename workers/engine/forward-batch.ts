import { ModelError } from './graph';
import { recycleFloats } from './kernels/scratch';
import { ancestorsOf } from './forward';
import { fusedClips, type FusedClips } from './forward-fuse';
import { recycleIfUnshared } from './forward-recycle';
import type { ClampBounds } from './kernels/clamp';
import { convForward } from './ops/conv';
import { channelsFirstKind, runChannelsFirst, toChannels, toImages, type Kind, type Layout } from './forward-channels';
import type { OpContext } from './op';
import type { PreparedModel, VariableNode } from './prepare';
import { formatShape, sizeOf, type DType, type Shape, type Tensor } from './tensor';

/**
 * The forward pass of many inputs at once (issue 18): the activations each x* reaches on the
 * true model, for a whole batch of neurons in one pass instead of one pass per neuron.
 * Every variable tensor holds `batch` images one after the other. A node whose op takes a
 * batch along axis 0 (OpDef.batchFirst, where the model's shapes have a leading 1) runs
 * once for all images; any other node runs image by image on views of its inputs. The
 * values equal those of runForward image by image.
 */
interface BatchedValue {
  readonly dtype: DType;
  /** `batch` images of size(shape) values each, one after the other (or channels-first: forward-channels.ts). */
  readonly data: Float32Array | Float64Array;
  readonly layout?: Layout;
}

/** The value of `target` for each of `batch` inputs (batch × size(input) values): batch × size(target) values. */
export function runForwardBatch(model: PreparedModel, inputs: Float32Array, batch: number, target: string): Float32Array {
  const out = forwardValues(model, inputs, batch, target, false).get(target);
  if (!out) throw new ModelError(`no tensor "${target}" in ${model.graph.source.fileName}`);
  return out.data instanceof Float32Array ? out.data : Float32Array.from(out.data);
}

/**
 * Every tensor behind `target` for each of `batch` inputs, kept (not dropped after its last
 * use): what a batched local reversal needs, each seed at its own image (reverse.ts, perSeed).
 * Each tensor has its per-image shape and holds batch × size(shape) values.
 */
export function runForwardBatchValues(model: PreparedModel, inputs: Float32Array, batch: number, target: string): Map<string, Tensor> {
  const values = forwardValues(model, inputs, batch, target, true);
  const shapes = tensorShapes(model, ancestorsOf(model, target));
  const out = new Map<string, Tensor>();
  for (const [name, value] of values) out.set(name, { dtype: value.dtype, shape: shapes.get(name)!, data: value.data });
  return out;
}

function forwardValues(model: PreparedModel, inputs: Float32Array, batch: number, target: string, keep: boolean): Map<string, BatchedValue> {
  const inputSize = sizeOf(model.inputShape);
  if (inputs.length !== batch * inputSize) {
    throw new ModelError(`${batch} inputs need ${batch * inputSize} values, got ${inputs.length} (one input is ${formatShape(model.inputFeatureShape)})`);
  }
  const nodes = ancestorsOf(model, target);
  const shapes = tensorShapes(model, nodes);
  const lastUse = lastUses(nodes, target);
  // Every tensor is kept for a reversal: nothing is fused away.
  const fused = keep ? undefined : fusedFor(model, nodes, target, shapes);
  const values = new Map<string, BatchedValue>([[model.inputName, { dtype: 'float32', data: inputs }]]);
  // Values kept for a reversal stay image-major; otherwise small maps go channels-first.
  const layouts = new Layouts(shapes, batch);
  for (let n = 0; n < nodes.length; n++) {
    const v = nodes[n];
    if (fused?.clips.has(n)) continue;
    const pair = fused?.byConv.get(n);
    const kind = keep ? null : kindOf(model, v);
    let outputs: BatchedValue[];
    if (kind) {
      const inputs = inputTensors(model, v, values, (name, value) => ({ dtype: value.dtype, shape: shapes.get(name)!, data: layouts.data(name, value, 'channels') }));
      const y = runChannelsFirst(kind, v, inputs, batch, pair?.bounds);
      outputs = [{ dtype: y.dtype, data: y.data, layout: 'channels' }];
    } else {
      const images = (name: string, value: BatchedValue): Float32Array | Float64Array => layouts.data(name, value, 'images');
      outputs = batchable(model, v, shapes) ? runBatched(model, v, values, shapes, batch, images, pair?.bounds) : runImageByImage(model, v, values, shapes, batch, images);
    }
    const names = pair ? nodes[pair.clip].node.outputs : v.node.outputs;
    names.forEach((name, i) => {
      if (name && outputs[i]) values.set(name, outputs[i]);
    });
    if (keep) continue;
    for (const name of v.node.inputs) {
      if (!name || lastUse.get(name) !== n || name === model.inputName) continue;
      const dropped = values.get(name);
      values.delete(name);
      if (dropped) recycleIfUnshared(model, dropped.data, values.values(), inputs);
      layouts.drop(name);
    }
  }
  const out = values.get(target);
  if (out?.layout === 'channels') {
    values.set(target, { dtype: out.dtype, data: layouts.data(target, out, 'images') });
    recycleIfUnshared(model, out.data, values.values(), inputs);
  }
  return values;
}

const kinds = new WeakMap<VariableNode, Kind | null>();

function kindOf(model: PreparedModel, v: VariableNode): Kind | null {
  let kind = kinds.get(v);
  if (kind === undefined) kinds.set(v, (kind = channelsFirstKind(model, v)));
  return kind;
}

/** A value's data in the layout a node reads, converted once and kept until the value is dropped. */
class Layouts {
  private readonly converted = new Map<string, Float32Array | Float64Array>();

  constructor(
    private readonly shapes: ReadonlyMap<string, Shape>,
    private readonly batch: number,
  ) {}

  data(name: string, value: BatchedValue, layout: Layout): Float32Array | Float64Array {
    if ((value.layout ?? 'images') === layout) return value.data;
    let data = this.converted.get(name);
    if (!data) {
      const [, C, H, W] = this.shapes.get(name)!;
      data = layout === 'channels' ? toChannels(value.data, this.batch, C, H * W) : toImages(value.data, this.batch, C, H * W);
      this.converted.set(name, data);
    }
    return data;
  }

  drop(name: string): void {
    const data = this.converted.get(name);
    this.converted.delete(name);
    if (data instanceof Float32Array) recycleFloats(data);
  }
}

const fusions = new WeakMap<PreparedModel, Map<string, FusedClips>>();

function fusedFor(model: PreparedModel, nodes: readonly VariableNode[], target: string, shapes: ReadonlyMap<string, Shape>): FusedClips {
  let perModel = fusions.get(model);
  if (!perModel) fusions.set(model, (perModel = new Map()));
  let fused = perModel.get(target);
  if (!fused) perModel.set(target, (fused = fusedClips(model, nodes, target, (n) => batchable(model, nodes[n], shapes))));
  return fused;
}

function tensorShapes(model: PreparedModel, nodes: readonly VariableNode[]): Map<string, Shape> {
  const shapes = new Map<string, Shape>([[model.inputName, model.inputShape]]);
  for (const v of nodes) v.node.outputs.forEach((name, i) => name && shapes.set(name, v.outputShapes[i]));
  return shapes;
}

/** The index of the last node reading each tensor (the target is never dropped). */
function lastUses(nodes: readonly VariableNode[], target: string): Map<string, number> {
  const last = new Map<string, number>();
  nodes.forEach((v, n) => v.node.inputs.forEach((name) => name && name !== target && last.set(name, n)));
  return last;
}

function isVariable(model: PreparedModel, name: string): boolean {
  return name !== '' && !model.constants.has(name);
}

/** The op takes a batch here, and every varying tensor it reads or writes has the leading 1 the batch replaces. */
function batchable(model: PreparedModel, v: VariableNode, shapes: ReadonlyMap<string, Shape>): boolean {
  if (!v.op.batchFirst?.(v.ctx)) return false;
  const leadingOne = (s: Shape | undefined): boolean => !!s && s.length > 0 && s[0] === 1;
  return v.node.inputs.every((name) => !isVariable(model, name) || leadingOne(shapes.get(name))) && v.outputShapes.every(leadingOne);
}

function inputTensors(model: PreparedModel, v: VariableNode, values: ReadonlyMap<string, BatchedValue>, view: (name: string, value: BatchedValue) => Tensor): (Tensor | undefined)[] {
  return v.node.inputs.map((name) => {
    if (name === '') return undefined;
    const constant = model.constants.get(name);
    if (constant) return constant;
    const value = values.get(name);
    if (!value) throw new ModelError(`node "${v.node.name}" (${v.node.opType}) reads "${name}", which has no value`);
    return view(name, value);
  });
}

/** `clamp`: the bounds of a Clip fused into this Conv (forward-fuse.ts). */
function runBatched(
  model: PreparedModel, v: VariableNode, values: ReadonlyMap<string, BatchedValue>, shapes: ReadonlyMap<string, Shape>, batch: number,
  images: (name: string, value: BatchedValue) => Float32Array | Float64Array, clamp?: ClampBounds,
): BatchedValue[] {
  const stacked = (s: Shape): number[] => [batch, ...s.slice(1)];
  const ctx: OpContext = { ...v.ctx, inputShapes: v.ctx.inputShapes.map((s, i) => (s && isVariable(model, v.node.inputs[i]) ? stacked(s) : s)) };
  const inputs = inputTensors(model, v, values, (name, value) => ({ dtype: value.dtype, shape: stacked(shapes.get(name)!), data: images(name, value) }));
  const results = clamp ? [convForward(ctx, inputs, clamp)] : v.op.forward(ctx, inputs);
  return results.map((t, i) => {
    if (t.data.length !== batch * sizeOf(v.outputShapes[i])) {
      throw new ModelError(`node "${v.node.name}" (${v.node.opType}): the batched forward made ${t.data.length} values, expected ${batch} × ${sizeOf(v.outputShapes[i])}`);
    }
    return { dtype: t.dtype, data: t.data };
  });
}

function runImageByImage(
  model: PreparedModel, v: VariableNode, values: ReadonlyMap<string, BatchedValue>, shapes: ReadonlyMap<string, Shape>, batch: number,
  images: (name: string, value: BatchedValue) => Float32Array | Float64Array,
): BatchedValue[] {
  const outputs: { dtype: DType; data: Float32Array | Float64Array }[] = [];
  for (let b = 0; b < batch; b++) {
    const inputs = inputTensors(model, v, values, (name, value) => {
      const shape = shapes.get(name)!;
      const size = sizeOf(shape);
      return { dtype: value.dtype, shape, data: images(name, value).subarray(b * size, (b + 1) * size) };
    });
    v.op.forward(v.ctx, inputs).forEach((t, i) => {
      const size = t.data.length;
      if (b === 0) outputs[i] = { dtype: t.dtype, data: t.data instanceof Float32Array ? new Float32Array(batch * size) : new Float64Array(batch * size) };
      outputs[i].data.set(t.data, b * size);
    });
  }
  return outputs;
}
