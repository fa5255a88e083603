import { isOptimised } from '../optimise';

/**
 * Recycled gradient arrays for the optimised engine. A reversal makes a full-size gradient
 * per tensor per batch and drops it one op later; fresh large arrays cost page faults (in a
 * Chromium worker about 3.6× what they cost in Node, measured: bench/RESULTS.md), so arrays
 * handed back with recycleFloats() are zeroed and handed out again. The reference engine
 * allocates plainly.
 */
const MAX_HELD_BYTES = 128 * 1024 * 1024;
/** Smaller arrays are cheap to allocate: not worth holding. */
const MIN_LENGTH = 1 << 14;

const free = new Map<number, Float32Array[]>();
let heldBytes = 0;

/** A zeroed Float32Array of `length` values. */
export function zeroedFloats(length: number): Float32Array {
  if (length >= MIN_LENGTH && isOptimised()) {
    const list = free.get(length);
    const reused = list?.pop();
    if (reused) {
      heldBytes -= reused.byteLength;
      reused.fill(0);
      return reused;
    }
  }
  return new Float32Array(length);
}

/**
 * A Float32Array of `length` values whose contents are undefined (a recycled one is not
 * zeroed): for outputs the caller overwrites entirely.
 */
export function scratchFloats(length: number): Float32Array {
  if (length >= MIN_LENGTH && isOptimised()) {
    const reused = free.get(length)?.pop();
    if (reused) {
      heldBytes -= reused.byteLength;
      return reused;
    }
  }
  return new Float32Array(length);
}

/**
 * Hands an array back for reuse. The caller guarantees nothing reads or writes it, nor any
 * other view of its buffer, afterwards; only whole-buffer arrays are taken.
 */
export function recycleFloats(array: Float32Array): void {
  if (!isOptimised() || array.length < MIN_LENGTH || array.byteOffset !== 0 || array.byteLength !== array.buffer.byteLength) return;
  if (!(array.buffer instanceof ArrayBuffer) || heldBytes + array.byteLength > MAX_HELD_BYTES) return;
  let list = free.get(array.length);
  if (!list) free.set(array.length, (list = []));
  if (list.includes(array)) return;
  list.push(array);
  heldBytes += array.byteLength;
}
