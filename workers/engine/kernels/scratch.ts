import { workingBytes } from '../budget';
import { isOptimised } from '../optimise';

// Recycled gradient arrays for the optimised engine. A reversal makes a full-size gradient
// per tensor per batch and drops it one op later; fresh large arrays cost page faults (in a
// Chromium worker about 3.6× what they cost in Node, measured: bench/RESULTS.md), so arrays
// handed back with recycleFloats() are zeroed and handed out again. The reference engine
// allocates plainly.

/**
 * What the pool may hold follows the worker's memory budget (issue 18): half its working memory
 * (engine/budget.ts workingBytes), two gradients of its largest batch, so 128 MB at the largest
 * share and less where the budget is shared with held rows or more workers. The floor keeps
 * recycling worth it on small budgets.
 */
const HELD_SHARE = 1 / 2;
const MIN_HELD_BYTES = 16 * 1024 * 1024;

/** The most bytes the pool holds under the current budget. */
export function scratchCapBytes(): number {
  return Math.max(MIN_HELD_BYTES, Math.floor(workingBytes() * HELD_SHARE));
}

/** Smaller arrays are cheap to allocate: not worth holding. */
const MIN_LENGTH = 1 << 14;

const free = new Map<number, Float32Array[]>();
let heldBytes = 0;

/** Bytes the pool holds now. */
export function scratchHeldBytes(): number {
  return heldBytes;
}

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
  if (!(array.buffer instanceof ArrayBuffer)) return;
  const cap = scratchCapBytes();
  // The budget shrank since these were held (a worker's share is set per job): let them go.
  if (heldBytes > cap) {
    free.clear();
    heldBytes = 0;
  }
  if (heldBytes + array.byteLength > cap) return;
  let list = free.get(array.length);
  if (!list) free.set(array.length, (list = []));
  if (list.includes(array)) return;
  list.push(array);
  heldBytes += array.byteLength;
}
