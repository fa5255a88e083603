import { attrNumbers, ModelError } from '../graph';
import type { OpContext, ReverseContext } from '../op';
import { overBudget } from '../budget';
import { sizeOf, toNumbers, type DType, type Shape, type Tensor } from '../tensor';

/** Helpers the tensor ops share to read their inputs and attributes. */

export function opError(ctx: OpContext, message: string): ModelError {
  return new ModelError(`node "${ctx.node.name}" (${ctx.node.opType}): ${message}`);
}

/** Factor i of a product during a reversal: the constant, else its value at the reference input. */
export function factorAtReference(ctx: ReverseContext, i: number): Float32Array {
  const v = ctx.constants[i] ?? ctx.reference?.inputs[i];
  if (!v) throw opError(ctx, 'both factors vary; this mode needs a reference input');
  return v.data as Float32Array;
}

/** Whether input i is given (not omitted). */
export function hasInput(ctx: OpContext, i: number): boolean {
  const name = ctx.node.inputs[i];
  return name !== undefined && name !== '';
}

/** Whether input i is given and depends on the model's input. */
export function isVariable(ctx: OpContext, i: number): boolean {
  return hasInput(ctx, i) && ctx.constants[i] === undefined;
}

export function inputShape(ctx: OpContext, i: number): Shape {
  const s = ctx.inputShapes[i];
  if (!s) throw opError(ctx, `input ${i} is missing`);
  return s;
}

export function normalizeAxis(ctx: OpContext, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw opError(ctx, `axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/** The value of input i: from the forward inputs when given, else the folded constant. */
export function valueOf(ctx: OpContext, i: number, inputs?: readonly (Tensor | undefined)[]): Tensor | undefined {
  return inputs?.[i] ?? ctx.constants[i];
}

/**
 * Integers an op takes as an attribute in older opsets and as an input in newer ones
 * (axes, starts, split …): the input wins when it is given; it must be constant.
 */
export function intsFrom(ctx: OpContext, i: number, attr: string, inputs?: readonly (Tensor | undefined)[]): number[] | undefined {
  if (hasInput(ctx, i)) {
    const t = valueOf(ctx, i, inputs);
    if (!t) throw opError(ctx, `${attr} (input ${i}) must be constant`);
    return toNumbers(t);
  }
  return attrNumbers(ctx.node, attr, undefined);
}

/** The value of a constant input as integers; throws naming `what` when it varies. */
export function constantInts(ctx: OpContext, i: number, what: string, inputs?: readonly (Tensor | undefined)[]): number[] {
  const t = valueOf(ctx, i, inputs);
  if (!t) throw opError(ctx, `${what} must be constant`);
  return toNumbers(t);
}

export function allocData(dtype: DType, n: number): Float32Array | Float64Array {
  return dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
}

export function makeTensor(dtype: DType, shape: Shape, data: Float32Array | Float64Array): Tensor {
  const n = sizeOf(shape);
  if (data.length !== n) throw new ModelError(`tensor data has ${data.length} values, shape [${shape.join(',')}] needs ${n}`);
  return { dtype, shape: [...shape], data };
}

/** The dtype of an elementwise result: float when any operand is float (ONNX requires them equal). */
export function commonDType(tensors: readonly (Tensor | undefined)[]): DType {
  let dtype: DType | undefined;
  for (const t of tensors) {
    if (!t) continue;
    if (t.dtype === 'float32') return 'float32';
    dtype ??= t.dtype;
  }
  return dtype ?? 'float32';
}

/** Every given input's tensor, or an error naming the first missing one. */
export function requireInputs(ctx: OpContext, inputs: readonly (Tensor | undefined)[], count: number): Tensor[] {
  const out: Tensor[] = [];
  for (let i = 0; i < count; i++) {
    const t = inputs[i];
    if (!t) throw opError(ctx, `input ${i} has no value`);
    out.push(t);
  }
  return out;
}

/** The bound prepare.ts puts on every tensor (MAX_TENSOR_VALUES), for tensors ops build while folding. */
const MAX_VALUES = 1 << 29;

/**
 * Bytes per value the folder counts: folded integers are float64, and gathers (Expand, Tile)
 * build an index map of the output's size beside the data.
 */
const FOLDED_BYTES_PER_VALUE = 8;

/**
 * A shape read from a tensor's values or computed from attributes: whole, non-negative, of
 * bounded size, and within the memory budget (engine/budget.ts), checked before any allocation.
 */
export function checkedShape(ctx: OpContext, shape: readonly number[], what: string): number[] {
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw opError(ctx, `${what} [${shape.join(', ')}] is not a valid shape`);
  if (sizeOf(shape) > MAX_VALUES) throw opError(ctx, `${what} [${shape.join(', ')}] would hold more than ${MAX_VALUES} values`);
  const over = overBudget(`${what} [${shape.join(', ')}]`, sizeOf(shape), FOLDED_BYTES_PER_VALUE);
  if (over) throw opError(ctx, over);
  return [...shape];
}
