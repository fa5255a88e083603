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
/** Every held array, oldest handed back first: what a full pool lets go of to take a newer one. */
const held = new Set<Float32Array>();
let heldBytes = 0;

let poisoned = false;

/**
 * Tests: every array handed back is filled with NaN, so that a value read after its array was
 * recycled shows in the results instead of passing unseen while no one reused it yet.
 */
export function poisonRecycled(on: boolean): void {
  poisoned = on;
}

/** Bytes the pool holds now. */
export function scratchHeldBytes(): number {
  return heldBytes;
}

/** A zeroed Float32Array of `length` values. */
export function zeroedFloats(length: number): Float32Array {
  if (length >= MIN_LENGTH && isOptimised()) {
    const reused = take(length);
    if (reused) {
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
    const reused = take(length);
    if (reused) return reused;
  }
  return new Float32Array(length);
}

/**
 * Hands an array back for reuse. The caller guarantees nothing reads or writes it, nor any
 * other view of its buffer, afterwards; only whole-buffer arrays are taken.
 */
export function recycleFloats(array: Float32Array): void {
  if (poisoned && isOptimised()) array.fill(NaN);
  if (!isOptimised() || array.length < MIN_LENGTH || array.byteOffset !== 0 || array.byteLength !== array.buffer.byteLength) return;
  if (!(array.buffer instanceof ArrayBuffer)) return;
  const cap = scratchCapBytes();
  if (array.byteLength > cap || held.has(array)) return;
  // A full pool lets go of the arrays handed back longest ago (also when the budget shrank
  // since they were held: a worker's share is set per job). Refusing the newest instead left
  // the pool full of lengths no longer asked for (a reversal's) while each forward pass's
  // outputs came fresh: 1,057 refusals against 371 reuses on a MobileNetV2 gallery subset.
  for (const old of held) {
    if (heldBytes + array.byteLength <= cap) break;
    drop(old);
  }
  let list = free.get(array.length);
  if (!list) free.set(array.length, (list = []));
  list.push(array);
  held.add(array);
  heldBytes += array.byteLength;
}

/** The newest held array of `length` values, no longer held; undefined when there is none. */
function take(length: number): Float32Array | undefined {
  const reused = free.get(length)?.pop();
  if (reused) {
    held.delete(reused);
    heldBytes -= reused.byteLength;
  }
  return reused;
}

function drop(array: Float32Array): void {
  const list = free.get(array.length)!;
  list.splice(list.indexOf(array), 1);
  if (list.length === 0) free.delete(array.length);
  held.delete(array);
  heldBytes -= array.byteLength;
}
