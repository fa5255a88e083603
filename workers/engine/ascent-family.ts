import { attrNumber } from './graph';
import type { LayerInfo, PreparedModel, VariableNode } from './prepare';
import { reverseContext } from './reverse-context';
import type { Objective } from './seeds';

/**
 * Layers that share one readable ascent (issue 18). A neuron of a BatchNormalization layer
 * whose channel scale s = γ/√(var + ε) is positive is s·z + t of the neuron z of the layer
 * before it: its gradient at every image is s times z's, Adam is invariant to a positive
 * scale of the gradient (up to its ε), and the best recorded image of s·z + t is the best of
 * z. So both layers have the same ascent, and it runs once, on z. Transposes (the channels-
 * last layers of Keras and TF.js models) only move the seed. A ReLU after them, relu(y), has
 * y's gradient wherever y > 0: where y stayed above zero at the neuron at every step's image,
 * its ascent is y's (the same steps and recorded images; the best of relu(y) is the best of
 * y), so it is shared. Where y fell to zero at some step, relu(y)'s own ascent would have
 * stepped differently there (no gradient: the surrogate's), so that neuron is not shared and
 * the ReLU's own job runs it. The gate is checked at every step, not only at x*, so a shared
 * result is the one its own ascent finds, not an approximation of it.
 *
 * The ascent runs on `tensor`, the last tensor before any of this, with the seed pulled back
 * through the Transposes; each member's activation is still read on its own tensor.
 */
export interface AscentMember {
  readonly layer: LayerInfo;
  /** The Transposes from the member's tensor back to the shared tensor, last first. */
  readonly transposes: readonly VariableNode[];
  /** The member's tensor before the Transposes that end it: where its activation is read. */
  readonly readout: string;
  /** Those Transposes, last first. */
  readonly readoutTransposes: readonly VariableNode[];
  /**
   * The inputs of the ReLUs on the way (none for a BatchNormalization or the layer itself):
   * the member shares a neuron's ascent only where each stayed above zero at the neuron at
   * every step's image (its gradient is then the shared tensor's, up to a positive scale).
   */
  readonly gates: readonly string[];
}

export interface AscentFamily {
  readonly tensor: string;
  readonly members: readonly AscentMember[];
}

/** The shared tensor behind a layer, and how the layer reaches it. */
function pathOf(model: PreparedModel, layer: LayerInfo): { tensor: string; member: AscentMember } {
  let tensor = layer.id;
  const transposes: VariableNode[] = [];
  let readout: string | undefined;
  let readoutTransposes: readonly VariableNode[] = [];
  const gates: string[] = [];
  for (;;) {
    const v = model.producer.get(tensor);
    if (!v || v.node.outputs.length !== 1) break;
    const variables = v.node.inputs.filter((name) => name !== '' && !model.constants.has(name));
    if (variables.length !== 1 || v.node.inputs[0] !== variables[0]) break;
    const op = v.node.opType;
    if (op !== 'Transpose' && readout === undefined) {
      readout = tensor;
      readoutTransposes = [...transposes];
    }
    if (op === 'Transpose') transposes.push(v);
    // A gate reads the readout's elements: no Transpose between them.
    else if (op === 'Relu' && transposes.length === readoutTransposes.length) gates.push(variables[0]);
    else if (op !== 'BatchNormalization' || !positiveScales(model, v)) break;
    tensor = variables[0];
  }
  const member = { layer, transposes, readout: readout ?? tensor, readoutTransposes: readout === undefined ? transposes : readoutTransposes, gates };
  return { tensor, member };
}

/** A BatchNormalization in inference mode whose every channel scale γ/√(var + ε) is positive. */
export function positiveScales(model: PreparedModel, v: VariableNode): boolean {
  if (v.ctx.opset >= 14 && attrNumber(v.node, 'training_mode', 0) !== 0) return false;
  const [scale, , , variance] = v.node.inputs.slice(1, 5).map((name) => model.constants.get(name)?.data);
  if (!scale || !variance || scale.length !== variance.length || !v.node.inputs.slice(1, 5).every((name) => model.constants.has(name))) return false;
  const eps = attrNumber(v.node, 'epsilon', 1e-5);
  for (let c = 0; c < scale.length; c++) if (!(scale[c] / Math.sqrt(variance[c] + eps) > 0)) return false;
  return true;
}

const groups = new WeakMap<PreparedModel, Map<string, AscentFamily>>();

/** A layer's shared tensor and every layer of the model on it with the same receptive field (the layer first). */
function groupOf(model: PreparedModel, layer: LayerInfo): AscentFamily | undefined {
  let perModel = groups.get(model);
  if (!perModel) {
    perModel = new Map();
    const paths = model.layers.map((l) => pathOf(model, l));
    for (const { tensor, member } of paths) {
      const same = paths.filter((p) => p.tensor === tensor && sameCrop(p.member.layer, member.layer)).map((p) => p.member);
      perModel.set(member.layer.id, { tensor, members: [member, ...same.filter((m) => m !== member)] });
    }
    groups.set(model, perModel);
  }
  return perModel.get(layer.id);
}

/**
 * The family of a layer under an objective: every layer of the model on the same tensor with
 * the same receptive field, the layer itself first. Only the neuron objective is shared (its
 * seed stays a one-hot through each step); any other objective runs alone on the layer. A
 * layer behind a ReLU runs its own ascent alone: its siblings' jobs share only the neurons
 * whose gate stayed open with it (its own job computes the rest).
 */
export function ascentFamily(model: PreparedModel, layer: LayerInfo, objective: Objective): AscentFamily {
  const group = sharedObjective(objective) ? groupOf(model, layer) : undefined;
  return group && group.members[0].gates.length === 0 ? group : alone(model, layer);
}

const sharedObjective = (objective: Objective): boolean => objective.kind === 'neuron';

/** Whether layers may share one ascent under a gallery's settings: the readable ascent (ascent.ts) under an objective ascentFamily shares. */
export function sharesAscent(settings: { readonly mode: string; readonly objective: Objective; readonly ascent?: { readonly style?: string } }): boolean {
  return settings.mode === 'ascent' && settings.ascent?.style === 'readable' && sharedObjective(settings.objective);
}

/**
 * The member of a layer's family (neuron objective) that runs the family's ascent on a worker
 * pool: the earliest in the model's order behind no ReLU. null when it is the layer itself or
 * it has no family. The pool runs the head's neurons first and hands each sibling the head
 * job's rows for it. `wholly`: only for a layer that shares every neuron (behind no ReLU, whose
 * closed gates leave neurons to its own job).
 */
export function ascentHead(model: PreparedModel, layer: LayerInfo, wholly = false): string | null {
  const group = groupOf(model, layer);
  if (wholly && group && group.members[0].gates.length > 0) return null;
  const members = new Set(group?.members.filter((m) => m.gates.length === 0).map((m) => m.layer.id));
  const head = model.layers.find((l) => members.has(l.id));
  return head && head.id !== layer.id ? head.id : null;
}

/** A layer's ascent on its own tensor (before the Transposes that end it). */
function alone(model: PreparedModel, layer: LayerInfo): AscentFamily {
  const transposes: VariableNode[] = [];
  let tensor = layer.id;
  for (;;) {
    const v = model.producer.get(tensor);
    if (!v || v.node.opType !== 'Transpose' || v.node.outputs.length !== 1 || model.constants.has(v.node.inputs[0])) break;
    transposes.push(v);
    tensor = v.node.inputs[0];
  }
  return { tensor, members: [{ layer, transposes, readout: tensor, readoutTransposes: transposes, gates: [] }] };
}

function sameCrop(a: LayerInfo, b: LayerInfo): boolean {
  return JSON.stringify(a.crops?.neuron) === JSON.stringify(b.crops?.neuron) && a.neurons === b.neurons;
}

/** Seeds (`rows` of a member's layer) moved back through Transposes (the member's, or those ending it). */
export function sharedSeeds(model: PreparedModel, transposes: readonly VariableNode[], seeds: Float32Array, rows: number): Float32Array {
  let g = seeds;
  for (const v of transposes) g = v.op.reverse!(reverseContext(model, v, rows, 'surrogate'), [g])[0]!;
  return g;
}

/** Whether two seed rows are equal (the same neuron of the shared tensor). */
export function sameRow(a: Float32Array, b: Float32Array, row: number, size: number): boolean {
  for (let i = row * size; i < (row + 1) * size; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** One member's result for one neuron: its best image, the activation there, its trace. */
export interface SharedRow {
  readonly xstar: Float32Array;
  readonly activation: number;
  readonly trace: Float32Array;
}

/** Results kept for the other members of a family, per model: at most this many bytes of images. */
const KEPT_BYTES = 64 * 1024 * 1024;

interface Kept {
  readonly rows: Map<string, SharedRow>;
  bytes: number;
}

const kept = new WeakMap<PreparedModel, Kept>();
const referenceIds = new WeakMap<Float32Array, number>();
let nextReferenceId = 1;

/** The settings a shared result was computed under, as a key (the reference input by identity). */
export function settingsKey(settings: object, reference: Float32Array | undefined): string {
  let id = 0;
  if (reference) {
    id = referenceIds.get(reference) ?? nextReferenceId++;
    referenceIds.set(reference, id);
  }
  return `${JSON.stringify(settings)}|${id}`;
}

/**
 * Keeps a member's row until its own job takes it (this worker's later jobs: a member whose
 * job runs on another worker computes the family again, with the same result).
 */
export function keepRow(model: PreparedModel, key: string, layer: string, neuron: number, row: SharedRow): void {
  let k = kept.get(model);
  if (!k) kept.set(model, (k = { rows: new Map(), bytes: 0 }));
  const size = bytesOf(row);
  if (k.bytes + size > KEPT_BYTES) return;
  const name = `${key}|${layer}|${neuron}`;
  k.bytes += size - bytesOf(k.rows.get(name));
  k.rows.set(name, row);
}

function bytesOf(row: SharedRow | undefined): number {
  return row ? row.xstar.byteLength + row.trace.byteLength : 0;
}

/** The row kept for a member's neuron, removed from the store. */
export function takeRow(model: PreparedModel, key: string, layer: string, neuron: number): SharedRow | undefined {
  const k = kept.get(model);
  const name = `${key}|${layer}|${neuron}`;
  const row = k?.rows.get(name);
  if (!k || !row) return undefined;
  k.rows.delete(name);
  k.bytes -= bytesOf(row);
  return row;
}
