import { describe, expect, it } from 'vitest';
import { base64 } from '../../workers/export/svg';

describe('base64 of the SVG data URLs', () => {
  it('equals Node’s encoder on every padding case and on a thumbnail-sized array', () => {
    let seed = 7;
    const random = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 255);
    for (const n of [0, 1, 2, 3, 4, 5, 6, 255, 1000, 224 * 224 * 4 + 1]) {
      const bytes = random(n);
      expect(base64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
    }
  });
});
