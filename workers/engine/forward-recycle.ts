import { recycleFloats } from './kernels/scratch';
import type { PreparedModel } from './prepare';

const constantBuffers = new WeakMap<PreparedModel, Set<ArrayBufferLike>>();

/**
 * Hands a batched forward pass's dropped value back for reuse (kernels/scratch.ts) unless a
 * live value, a constant or the caller's inputs share its buffer (a Reshape's view, a crop
 * that was the whole value).
 */
export function recycleIfUnshared(
  model: PreparedModel, data: Float32Array | Float64Array, live: Iterable<{ readonly data: Float32Array | Float64Array }>, inputs: Float32Array,
): void {
  if (!(data instanceof Float32Array) || data.buffer === inputs.buffer) return;
  let constants = constantBuffers.get(model);
  if (!constants) constantBuffers.set(model, (constants = new Set([...model.constants.values()].map((t) => t.data.buffer))));
  if (constants.has(data.buffer)) return;
  for (const value of live) if (value.data.buffer === data.buffer) return;
  recycleFloats(data);
}
