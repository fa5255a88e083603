import { describe, expect, it } from 'vitest';
import { recycleFloats, scratchFloats, zeroedFloats } from '../../workers/engine/kernels/scratch';
import { withOptimised } from '../../workers/engine/optimise';

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
});
