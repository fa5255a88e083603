/**
 * Tensors of the engine. Floating-point values (float16/32/64 in a model) are held
 * as float32; integer and boolean values (shape arithmetic, indices) as float64 numbers,
 * which hold every int64 a real model uses for shapes exactly.
 */
export type DType = 'float32' | 'int64' | 'bool' | 'string';

export interface Tensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array;
}

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function floatTensor(shape: Shape, data?: Float32Array): Tensor {
  const n = sizeOf(shape);
  const values = data ?? new Float32Array(n);
  if (values.length !== n) throw new Error(`tensor data has ${values.length} values, shape [${shape.join(',')}] needs ${n}`);
  return { dtype: 'float32', shape: [...shape], data: values };
}

export function intTensor(shape: Shape, values: ArrayLike<number>): Tensor {
  const n = sizeOf(shape);
  if (values.length !== n) throw new Error(`tensor data has ${values.length} values, shape [${shape.join(',')}] needs ${n}`);
  return { dtype: 'int64', shape: [...shape], data: Float64Array.from(values) };
}

/** Makes a tensor of the same dtype family as `like`. */
export function tensorLike(like: Tensor, shape: Shape, data: Float32Array | Float64Array): Tensor {
  return { dtype: like.dtype, shape: [...shape], data };
}

export function isFloat(t: Tensor): boolean {
  return t.dtype === 'float32';
}

/** Values of a small integer tensor (shapes, axes, indices) as a plain array. */
export function toNumbers(t: Tensor): number[] {
  return Array.from(t.data);
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}
