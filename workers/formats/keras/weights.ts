import { ModelError } from '../../engine/graph';
import { sizeOf } from '../../engine/tensor';
import type { KerasLayer } from './config';

/** One stored weight array, read when needed. */
export interface WeightArray {
  /** The name the file gives it ('conv2d/kernel:0', 'vars/0', 'dense/bias'). */
  readonly name: string;
  readonly shape: readonly number[];
  read(): Float32Array;
}

/** Where a model's weights live: one implementation per file layout. */
export interface WeightStore {
  /** The arrays of one layer, in the order Keras lists them. */
  layer(layer: KerasLayer): WeightArray[];
  /** The store of a model nested as a layer of this one. */
  nested(layer: KerasLayer, innerLayers: readonly KerasLayer[]): WeightStore;
}

/** The role of a stored array: 'kernel' from 'block/conv/kernel:0'. */
function roleOf(name: string): string {
  const last = name.split('/').pop() ?? name;
  return last.replace(/:\d+$/, '');
}

/**
 * Assigns a layer's arrays to the roles its class defines (kernel, bias, gamma …): by name
 * when the file names them, by position otherwise (Keras 3's vars/0, vars/1 …).
 */
export function assignRoles(where: string, arrays: readonly WeightArray[], roles: readonly string[]): Map<string, WeightArray> {
  const byRole = new Map<string, WeightArray>();
  for (const a of arrays) byRole.set(roleOf(a.name), a);
  if (roles.every((r) => byRole.has(r))) return new Map(roles.map((r) => [r, byRole.get(r)!]));
  if (arrays.length === roles.length) return new Map(roles.map((r, i) => [r, arrays[i]]));
  const found = arrays.length === 0 ? 'none' : arrays.map((a) => `${a.name} [${a.shape.join(',')}]`).join(', ');
  throw new ModelError(`${where}: expected weights ${roles.join(', ')}; the file holds ${found}`);
}

export function checkShape(where: string, role: string, array: WeightArray, expected: readonly (number | null)[]): void {
  const ok = array.shape.length === expected.length && expected.every((d, i) => d === null || d === array.shape[i]);
  if (!ok) {
    throw new ModelError(`${where}: weight ${role} has shape [${array.shape.join(', ')}], expected [${expected.map((d) => d ?? '?').join(', ')}]`);
  }
}

/** Reads an array and checks it holds as many values as its shape says. */
export function readArray(where: string, array: WeightArray): Float32Array {
  const values = array.read();
  const n = sizeOf(array.shape);
  if (values.length !== n) throw new ModelError(`${where}: weight ${array.name} holds ${values.length} values, its shape [${array.shape.join(', ')}] needs ${n}`);
  return values;
}

/** Transposes a C-order array: out axis i is input axis perm[i]. */
export function permute(values: Float32Array, shape: readonly number[], perm: readonly number[]): { shape: number[]; values: Float32Array } {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]);
  const inStrides = new Array<number>(rank);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    inStrides[i] = s;
    s *= shape[i];
  }
  const stride = perm.map((p) => inStrides[p]);
  const out = new Float32Array(values.length);
  const counter = new Array<number>(rank).fill(0);
  let src = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = values[src];
    for (let d = rank - 1; d >= 0; d--) {
      counter[d]++;
      src += stride[d];
      if (counter[d] < outShape[d]) break;
      src -= stride[d] * outShape[d];
      counter[d] = 0;
    }
  }
  return { shape: outShape, values: out };
}
