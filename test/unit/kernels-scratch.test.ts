import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MEMORY_BUDGET_BYTES, setMemoryBudget, workingBytes } from '../../workers/engine/budget';
import { poisonRecycled, recycleFloats, scratchCapBytes, scratchFloats, scratchHeldBytes, zeroedFloats } from '../../workers/engine/kernels/scratch';
import { withOptimised } from '../../workers/engine/optimise';

afterEach(() => setMemoryBudget(DEFAULT_MEMORY_BUDGET_BYTES));

describe('recycled gradient arrays (kernels/scratch.ts)', () => {
  const N = 1 << 15;

  it('hands a recycled array out again, zeroed', () => {
    withOptimised(true, () => {
      const a = zeroedFloats(N);
      a.fill(7);
      recycleFloats(a);
      const b = zeroedFloats(N);
      expect(b).toBe(a);
      expect(b.every((v) => v === 0)).toBe(true);
    });
  });

  it('never takes views of a larger buffer, small arrays, or anything in the reference engine', () => {
    withOptimised(true, () => {
      const big = new Float32Array(2 * N);
      recycleFloats(big.subarray(0, N));
      expect(zeroedFloats(N).buffer).not.toBe(big.buffer);
      const small = new Float32Array(16);
      recycleFloats(small);
      expect(zeroedFloats(16)).not.toBe(small);
    });
    const c = new Float32Array(N);
    withOptimised(false, () => recycleFloats(c));
    withOptimised(true, () => expect(zeroedFloats(N)).not.toBe(c));
  });

  it('holds an array once however often it is handed back', () => {
    withOptimised(true, () => {
      const a = zeroedFloats(N + 4);
      recycleFloats(a);
      recycleFloats(a);
      expect(zeroedFloats(N + 4)).toBe(a);
      expect(zeroedFloats(N + 4)).not.toBe(a);
    });
  });

  it('scratchFloats hands a recycled array out as it is (the caller overwrites it), a fresh one zeroed', () => {
    withOptimised(true, () => {
      const a = zeroedFloats(N + 8);
      a.fill(3);
      recycleFloats(a);
      const b = scratchFloats(N + 8);
      expect(b).toBe(a);
      expect(b[0]).toBe(3);
      const fresh = scratchFloats(N + 8);
      expect(fresh).not.toBe(a);
      expect(fresh.every((v) => v === 0)).toBe(true);
    });
  });

  it('holds no more than its cap, which follows the worker\'s budget, and still recycles under it', () => {
    const MB = 1024 ** 2;
    withOptimised(true, () => {
      // However small the budget, the pool may hold 16 MB (earlier tests left a few arrays of N values).
      setMemoryBudget(1);
      expect(scratchCapBytes()).toBe(16 * MB);
      expect(scratchHeldBytes()).toBeLessThan(2 * MB);
      // A 2 GB worker share: the largest working memory (256 MB), half of it held.
      setMemoryBudget(2048 * MB);
      expect(scratchCapBytes()).toBe(128 * MB);
      // A 400 MB share (two workers of a 224 MobileNetV2 beside 578 MB of held rows and more): 100 MB of working memory, 50 MB held.
      setMemoryBudget(400 * MB);
      expect(workingBytes()).toBe(100 * MB);
      expect(scratchCapBytes()).toBe(50 * MB);
      const length = (4 * MB) / 4;
      const handed = Array.from({ length: 20 }, () => zeroedFloats(length));
      for (const a of handed) {
        recycleFloats(a);
        expect(scratchHeldBytes()).toBeLessThanOrEqual(50 * MB);
      }
      // 12 of the 4 MB arrays fit in 50 MB beside those few: the pool kept them and hands them out again.
      const again = Array.from({ length: 20 }, () => zeroedFloats(length));
      expect(again.filter((a) => handed.includes(a))).toHaveLength(12);
      for (const a of again) recycleFloats(a);
      // The budget shrinks (the next job's share is smaller): the pool lets go of what passes the new cap.
      setMemoryBudget(128 * MB);
      expect(scratchCapBytes()).toBe(16 * MB);
      recycleFloats(new Float32Array(length));
      expect(scratchHeldBytes()).toBeLessThanOrEqual(16 * MB);
      const last = new Float32Array(length);
      recycleFloats(last);
      expect(zeroedFloats(length)).toBe(last);
    });
  });

  it('when full, lets go of the arrays handed back longest ago to take the newest', () => {
    const MB = 1024 ** 2;
    withOptimised(true, () => {
      setMemoryBudget(128 * MB);
      expect(scratchCapBytes()).toBe(16 * MB);
      // Four 4 MB arrays of one length fill the pool (whatever earlier tests left goes first);
      // a 2 MB one of another length, the one asked for next, makes room for itself.
      const old = Array.from({ length: 4 }, () => new Float32Array(MB));
      for (const a of old) recycleFloats(a);
      expect(scratchHeldBytes()).toBe(16 * MB);
      const newest = new Float32Array(MB / 2);
      recycleFloats(newest);
      expect(scratchHeldBytes()).toBe(14 * MB);
      expect(scratchFloats(MB / 2)).toBe(newest);
      // The first handed back went to make room; the last three are still held, newest first.
      expect(scratchFloats(MB)).toBe(old[3]);
      expect(scratchFloats(MB)).toBe(old[2]);
      expect(scratchFloats(MB)).toBe(old[1]);
      expect(scratchFloats(MB)).not.toBe(old[0]);
    });
  });

  it('poisoned (tests), fills every array handed back with NaN, held or not', () => {
    withOptimised(true, () => {
      poisonRecycled(true);
      try {
        const a = new Float32Array(N + 12);
        const small = new Float32Array(16);
        recycleFloats(a);
        recycleFloats(small);
        expect(small.every(Number.isNaN)).toBe(true);
        expect(scratchFloats(N + 12)).toBe(a);
        expect(a.every(Number.isNaN)).toBe(true);
      } finally {
        poisonRecycled(false);
      }
    });
  });
});
