import type { AttrValue, GraphNode } from '../../engine/graph';
import { floatTensor, intTensor, type Tensor } from '../../engine/tensor';

/** A Keras shape: batch first (null), then the feature dims (null when unknown). */
export type KerasShape = readonly (number | null)[];

/**
 * A Keras tensor during translation. `keras` holds it in Keras's own layout (channels last
 * unless a layer said channels_first); `nchw` holds the channels-first copy that ONNX
 * convolutions and pooling need. Each is made on demand once and then reused, so a chain
 * of convolutions transposes only where the Keras layer tensors are exposed.
 */
export interface KTensor {
  readonly shape: KerasShape;
  keras?: string;
  nchw?: string;
  /** True when the Keras layout itself is channels-first (or the rank is below 3): one name serves both. */
  readonly channelsFirst: boolean;
}

export function kt(shape: KerasShape, names: { keras?: string; nchw?: string }, channelsFirst = false): KTensor {
  const same = channelsFirst || shape.length < 3;
  const name = names.keras ?? names.nchw;
  return same ? { shape, keras: name, nchw: name, channelsFirst: true } : { shape, ...names, channelsFirst: false };
}

/** Permutation taking channels-last (N, …, C) to channels-first (N, C, …). */
export function toFirstPerm(rank: number): number[] {
  return [0, rank - 1, ...Array.from({ length: rank - 2 }, (_, i) => i + 1)];
}

export function toLastPerm(rank: number): number[] {
  return [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];
}

/** Builds the node list, initializers and tensor names of one graph. */
export class GraphBuilder {
  readonly nodes: GraphNode[] = [];
  readonly initializers = new Map<string, Tensor>();
  private readonly used = new Set<string>();
  /** Names kept for Keras layers: generated names avoid them. */
  private readonly reserved = new Set<string>();
  private readonly producer = new Map<string, number>();
  private readonly consumed = new Set<string>();
  /** Transposes made by asKeras/asNchw: cached on Keras tensors, so never renamed. */
  private readonly layoutCopies = new Set<string>();

  /** Keeps names for the Keras layers' own tensors, so no generated name takes them first. */
  reserve(names: Iterable<string>): void {
    for (const n of names) this.reserved.add(n);
  }

  /** A name taken by something other than a node (a graph input). */
  markUsed(name: string): void {
    if (this.used.has(name)) throw new Error(`tensor name "${name}" is used twice`);
    this.used.add(name);
  }

  unique(base: string): string {
    let name = base;
    for (let k = 1; this.used.has(name) || this.reserved.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }

  constant(base: string, tensor: Tensor): string {
    const name = this.unique(base);
    this.initializers.set(name, tensor);
    return name;
  }

  floats(base: string, shape: readonly number[], values: Float32Array): string {
    return this.constant(base, floatTensor(shape, values));
  }

  ints(base: string, values: readonly number[]): string {
    return this.constant(base, intTensor([values.length], values));
  }

  scalar(base: string, value: number): string {
    return this.constant(base, floatTensor([], Float32Array.of(value)));
  }

  /** Adds a node with one output, named from `base` (made unique). */
  node(opType: string, inputs: readonly string[], attrs: Record<string, AttrValue>, base: string): string {
    const output = this.unique(base);
    this.producer.set(output, this.nodes.length);
    for (const i of inputs) if (i) this.consumed.add(i);
    this.nodes.push({ name: output, opType, inputs: [...inputs], outputs: [output], attrs });
    return output;
  }

  /** Adds a node with `count` outputs, named `base:0`, `base:1` … (made unique). */
  nodeWithOutputs(opType: string, inputs: readonly string[], attrs: Record<string, AttrValue>, base: string, count: number): string[] {
    const name = this.unique(base);
    const outputs = Array.from({ length: count }, (_, k) => this.unique(`${name}:${k}`));
    for (const o of outputs) this.producer.set(o, this.nodes.length);
    for (const i of inputs) if (i) this.consumed.add(i);
    this.nodes.push({ name, opType, inputs: [...inputs], outputs, attrs });
    return outputs;
  }

  /**
   * Gives a tensor made by the current layer the exact name `name` (a Keras layer name) when
   * nothing reads it yet and no Keras tensor caches it; otherwise adds an Identity producing `name`.
   */
  nameTensor(tensor: string, name: string, madeSince: number): string {
    if (tensor === name) return name;
    const at = this.producer.get(tensor);
    if (!this.used.has(name) && at !== undefined && at >= madeSince && !this.consumed.has(tensor) && !this.layoutCopies.has(tensor)) {
      const node = this.nodes[at];
      this.nodes[at] = { ...node, name, outputs: node.outputs.map((o) => (o === tensor ? name : o)) };
      this.producer.delete(tensor);
      this.producer.set(name, at);
      this.used.add(name);
      return name;
    }
    this.reserveOrFail(name);
    this.producer.set(name, this.nodes.length);
    this.consumed.add(tensor);
    this.nodes.push({ name, opType: 'Identity', inputs: [tensor], outputs: [name], attrs: {} });
    return name;
  }

  /** Adds a node whose output is exactly `name`. */
  namedNode(opType: string, inputs: readonly string[], attrs: Record<string, AttrValue>, name: string): string {
    this.reserveOrFail(name);
    this.producer.set(name, this.nodes.length);
    for (const i of inputs) if (i) this.consumed.add(i);
    this.nodes.push({ name, opType, inputs: [...inputs], outputs: [name], attrs });
    return name;
  }

  private reserveOrFail(name: string): void {
    if (this.used.has(name)) throw new Error(`tensor name "${name}" is used twice`);
    this.used.add(name);
  }

  get mark(): number {
    return this.nodes.length;
  }

  /** The tensor in Keras layout, transposing the channels-first copy if needed. */
  asKeras(t: KTensor, base: string): string {
    if (t.keras) return t.keras;
    t.keras = this.node('Transpose', [t.nchw!], { perm: toLastPerm(t.shape.length) }, `${base}/to_channels_last`);
    this.layoutCopies.add(t.keras);
    return t.keras;
  }

  asNchw(t: KTensor, base: string): string {
    if (t.nchw) return t.nchw;
    t.nchw = this.node('Transpose', [t.keras!], { perm: toFirstPerm(t.shape.length) }, `${base}/to_channels_first`);
    this.layoutCopies.add(t.nchw);
    return t.nchw;
  }
}
