import { describe, expect, it } from 'vitest';
import { nonzeroBox } from '../../workers/engine/kernels/active-region';
import { windowGeometry } from '../../workers/engine/kernels/window-geometry';
import { mulberry32 } from '../../workers/engine/random';

/** The box by its definition: every non-zero position of every plane, one by one. */
function boxByDefinition(data: Float32Array, planes: number, [D, H, W]: readonly number[]): { lo: number[]; hi: number[] } | null {
  const lo = [D, H, W];
  const hi = [0, 0, 0];
  for (let p = 0; p < planes; p++) {
    for (let d = 0; d < D; d++) {
      for (let h = 0; h < H; h++) {
        for (let w = 0; w < W; w++) {
          if (data[((p * D + d) * H + h) * W + w] === 0) continue;
          [d, h, w].forEach((v, a) => {
            lo[a] = Math.min(lo[a], v);
            hi[a] = Math.max(hi[a], v + 1);
          });
        }
      }
    }
  }
  return hi[0] > 0 ? { lo, hi } : null;
}

describe('nonzeroBox', () => {
  it('is the smallest box holding every non-zero position of every plane (planes with boxes that differ, grow, or are empty)', () => {
    const rand = mulberry32(3);
    for (let trial = 0; trial < 200; trial++) {
      const shape = [1 + Math.floor(rand() * 3), 1 + Math.floor(rand() * 9), 1 + Math.floor(rand() * 9)];
      const g = windowGeometry({ inShape: shape, outShape: shape, kernel: [1, 1, 1], strides: [1, 1, 1], dilations: [1, 1, 1], padsBegin: [0, 0, 0] });
      const planes = 1 + Math.floor(rand() * 4);
      const data = new Float32Array(planes * g.outSize);
      const density = trial % 5 === 0 ? 0 : rand() * 0.3;
      for (let i = 0; i < data.length; i++) if (rand() < density) data[i] = rand() < 0.5 ? -1 - rand() : rand() + 0.1;
      const box = nonzeroBox(g, data, planes);
      const expected = boxByDefinition(data, planes, shape);
      expect(box && { lo: [...box.lo], hi: [...box.hi] }).toEqual(expected);
    }
  });
});
