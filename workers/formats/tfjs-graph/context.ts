import { ModelError, type AttrValue } from '../../engine/graph';
import { floatTensor, sizeOf, type Tensor } from '../../engine/tensor';
import type { GraphBuilder } from '../keras/builder';
import type { Attrs, TfNode } from './graphdef';

/**
 * One TF tensor during translation. TF.js graphs are NHWC; the engine's convolutions and
 * pooling are NCHW. `nhwc` is the tensor in the model's own layout, `nchw` its channels-first
 * copy (4-D tensors only), each made once when needed. A constant known at read time keeps
 * its value, and gets a graph name only when a node reads it as a tensor.
 */
export interface Value {
  nhwc?: string;
  nchw?: string;
  readonly constant?: Tensor;
}

export const TO_NCHW = [0, 3, 1, 2];
export const TO_NHWC = [0, 2, 3, 1];

/** What an op translator gets: its node, attributes, inputs and the graph builder. */
export interface OpContext {
  readonly node: TfNode;
  readonly attrs: Attrs;
  readonly b: GraphBuilder;
  /** The TF node's name: the base of every name this node's translation makes. */
  readonly name: string;
  readonly inputCount: number;
  value(i: number): Value;
  /** Input i in the model's layout (a constant becomes an initializer). */
  nhwc(i: number): string;
  /** Input i channels-first (a 4-D tensor). */
  nchw(i: number): string;
  /** Input i's value, which must be known when the file is read. */
  constant(i: number, what: string): Tensor;
  fail(message: string): never;
}

export type OpTranslator = (ctx: OpContext) => Value;

/** An op with several outputs (Split, Unpack): output k is the TF tensor 'node:k'. */
export type MultiOpTranslator = (ctx: OpContext) => Value[];

export function fail(where: string, message: string): never {
  throw new ModelError(`${where}: ${message}`);
}

/** Integers of a small constant (axes, paddings, shapes). */
export function intsOf(ctx: OpContext, i: number, what: string): number[] {
  const t = ctx.constant(i, what);
  const values = Array.from(t.data);
  if (values.some((v) => !Number.isInteger(v))) ctx.fail(`${what} must be integers, got [${values.join(', ')}]`);
  return values;
}

/** The (height, width) of an NHWC attribute list [1, h, w, 1]. */
export function spatialPair(ctx: OpContext, name: string, fallback: number): number[] {
  const v = ctx.attrs.ints(name, [1, fallback, fallback, 1]);
  if (v.length === 1) return [v[0], v[0]];
  if (v.length === 2) return v;
  if (v.length !== 4 || v[0] !== 1 || v[3] !== 1) ctx.fail(`${name} [${v.join(', ')}] is not of the form [1, h, w, 1]`);
  return [v[1], v[2]];
}

export function checkNhwc(ctx: OpContext): void {
  const format = ctx.attrs.string('data_format', 'NHWC');
  if (format !== 'NHWC') ctx.fail(`data_format ${format} is not supported (TF.js graphs are NHWC)`);
}

/** TF padding as ONNX attributes: SAME is ONNX SAME_UPPER (the extra pixel at the end). */
export function paddingAttrs(ctx: OpContext): Record<string, AttrValue> {
  const padding = ctx.attrs.string('padding', 'VALID');
  if (padding === 'SAME') return { auto_pad: 'SAME_UPPER' };
  if (padding === 'VALID') return { auto_pad: 'VALID' };
  if (padding === 'EXPLICIT') {
    const p = ctx.attrs.ints('explicit_paddings', []);
    if (p.length !== 8 || p[0] !== 0 || p[1] !== 0 || p[6] !== 0 || p[7] !== 0) ctx.fail(`explicit_paddings [${p.join(', ')}] do not pad height and width only`);
    return { pads: [p[2], p[4], p[3], p[5]] };
  }
  return ctx.fail(`padding "${padding}" is not supported`);
}

/**
 * A per-channel constant (bias, PReLU slope …) shaped to broadcast over a tensor in the
 * layout chosen: [C, 1, 1] for NCHW; as stored for NHWC. Undefined when it is not per-channel.
 */
export function channelConstant(t: Tensor, layout: 'nchw' | 'nhwc'): Tensor | undefined {
  if (layout === 'nhwc') return t;
  const n = sizeOf(t.shape);
  if (n === 1) return { ...t, shape: [] };
  const leading = t.shape.slice(0, -1);
  if (leading.some((d) => d !== 1) || t.shape.length > 4) return undefined;
  return { ...t, shape: [n, 1, 1] };
}

export function floatConstant(b: GraphBuilder, base: string, t: Tensor): string {
  return b.constant(base, t.dtype === 'float32' ? t : floatTensor(t.shape, Float32Array.from(t.data)));
}
