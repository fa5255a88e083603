import { ModelError } from '../../engine/graph';
import { isObject, type Json, type JsonObject } from '../keras/json';

/**
 * A TensorFlow GraphDef as the TF.js converter writes it in model.json (`modelTopology`): the
 * protobuf's JSON mapping, so int64 values are strings and string attributes are base64.
 * https://github.com/tensorflow/tensorflow/blob/master/tensorflow/core/framework/attr_value.proto
 */
export interface TfNode {
  readonly name: string;
  readonly op: string;
  /** Data inputs as 'node' (output 0) or 'node:k'; control inputs ('^node') are dropped. */
  readonly inputs: readonly string[];
  readonly attr: JsonObject;
}

/** 'node:0' and 'node' name the same tensor; other outputs keep their ':k'. */
export function tensorName(ref: string): string {
  return ref.endsWith(':0') ? ref.slice(0, -2) : ref;
}

/** The node producing a tensor reference ('a/b:1' → 'a/b'). */
export function producerOf(ref: string): string {
  const m = /^(.*):(\d+)$/.exec(ref);
  return m ? m[1] : ref;
}

export function parseNodes(topology: Json | undefined, where: string): TfNode[] {
  if (!isObject(topology) || !Array.isArray(topology.node)) throw new ModelError(`${where}: modelTopology holds no GraphDef nodes`);
  const seen = new Set<string>();
  return topology.node.map((n, i) => {
    if (!isObject(n) || typeof n.name !== 'string' || typeof n.op !== 'string') throw new ModelError(`${where}: GraphDef node ${i} has no name or op`);
    if (seen.has(n.name)) throw new ModelError(`${where}: two GraphDef nodes are named "${n.name}"`);
    seen.add(n.name);
    const rawInputs = n.input ?? [];
    if (!Array.isArray(rawInputs) || rawInputs.some((x) => typeof x !== 'string')) throw new ModelError(`${where}: node "${n.name}" has a malformed input list`);
    const inputs = (rawInputs as string[]).filter((x) => !x.startsWith('^')).map(tensorName);
    return { name: n.name, op: n.op, inputs, attr: isObject(n.attr) ? n.attr : {} };
  });
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function decodeBase64(text: string): Uint8Array {
  const clean = text.replace(/[^A-Za-z0-9+/]/g, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let n = 0;
  for (const ch of clean) {
    value = (value << 6) | B64.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (value >> bits) & 0xff;
    }
  }
  return out.subarray(0, n);
}

const utf8 = new TextDecoder('utf-8');

/** Typed access to one node's attributes, with errors naming the node. */
export class Attrs {
  constructor(
    private readonly node: TfNode,
    readonly where: string,
  ) {}

  fail(message: string): never {
    throw new ModelError(`${this.where}: ${message}`);
  }

  private get(name: string): JsonObject | undefined {
    const v = this.node.attr[name];
    return isObject(v) ? v : undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  string(name: string, fallback?: string): string {
    const v = this.get(name);
    if (v && typeof v.s === 'string') return utf8.decode(decodeBase64(v.s));
    if (fallback !== undefined) return fallback;
    return this.fail(`attribute ${name} is missing`);
  }

  int(name: string, fallback?: number): number {
    const v = this.get(name);
    if (v && (typeof v.i === 'string' || typeof v.i === 'number')) return Number(v.i);
    if (fallback !== undefined) return fallback;
    return this.fail(`attribute ${name} is missing`);
  }

  float(name: string, fallback: number): number {
    const v = this.get(name);
    return v && typeof v.f === 'number' ? v.f : fallback;
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.get(name);
    return v && typeof v.b === 'boolean' ? v.b : fallback;
  }

  ints(name: string, fallback?: readonly number[]): number[] {
    const list = this.get(name)?.list;
    if (isObject(list)) {
      const values = list.i ?? [];
      if (Array.isArray(values)) return values.map(Number);
    }
    if (fallback !== undefined) return [...fallback];
    return this.fail(`attribute ${name} is missing`);
  }

  strings(name: string): string[] {
    const list = this.get(name)?.list;
    if (!isObject(list) || !Array.isArray(list.s)) return [];
    return list.s.map((s) => (typeof s === 'string' ? utf8.decode(decodeBase64(s)) : ''));
  }

  /** A DataType attribute ('DT_FLOAT' …). */
  type(name: string): string {
    const v = this.get(name);
    return v && typeof v.type === 'string' ? v.type : this.fail(`attribute ${name} is missing`);
  }

  /** A TensorShapeProto attribute: dims (−1 → null), or undefined for an unknown rank. */
  shape(name: string): (number | null)[] | undefined {
    const shape = this.get(name)?.shape;
    return isObject(shape) ? shapeProto(shape) : undefined;
  }

  /** The TensorProto of a Const's `value`. */
  tensor(name: string): JsonObject | undefined {
    const t = this.get(name)?.tensor;
    return isObject(t) ? t : undefined;
  }
}

export function shapeProto(shape: JsonObject): (number | null)[] | undefined {
  if (shape.unknownRank === true) return undefined;
  const dims = Array.isArray(shape.dim) ? shape.dim : [];
  return dims.map((d) => {
    const size = isObject(d) ? Number(d.size ?? 0) : NaN;
    return Number.isInteger(size) && size >= 0 ? size : null;
  });
}
