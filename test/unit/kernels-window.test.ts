import { describe, expect, it } from 'vitest';
import { lcgValues as values } from '../fixtures/lcg-values';
import { withOptimised } from '../../workers/engine/optimise';
import { windowAccumulate, windowAccumulateTransposed } from '../../workers/engine/kernels/window';
import { windowGeometry, type WindowSpec } from '../../workers/engine/kernels/window-geometry';

/** y[o] = Σ_k w[k]·x[o·s − p + k·d] over in-bounds inputs, straight from the definition (2-D). */
function direct(spec: WindowSpec, x: Float32Array, w: Float32Array): Float64Array {
  const [inH, inW] = spec.inShape;
  const [outH, outW] = spec.outShape;
  const [kH, kW] = spec.kernel;
  const y = new Float64Array(outH * outW);
  for (let oh = 0; oh < outH; oh++) {
    for (let ow = 0; ow < outW; ow++) {
      let s = 0;
      for (let kh = 0; kh < kH; kh++) {
        for (let kw = 0; kw < kW; kw++) {
          const ih = oh * spec.strides[0] - spec.padsBegin[0] + kh * spec.dilations[0];
          const iw = ow * spec.strides[1] - spec.padsBegin[1] + kw * spec.dilations[1];
          if (ih >= 0 && ih < inH && iw >= 0 && iw < inW) s += w[kh * kW + kw] * x[ih * inW + iw];
        }
      }
      y[oh * outW + ow] = s;
    }
  }
  return y;
}

function spec(inShape: number[], kernel: number[], strides: number[], dilations: number[], pads: number[]): WindowSpec {
  const outShape = inShape.map((n, a) => Math.floor((n + 2 * pads[a] - dilations[a] * (kernel[a] - 1) - 1) / strides[a]) + 1);
  return { inShape, outShape, kernel, strides, dilations, padsBegin: pads };
}

/** name, window, whether one weight is zero (3×3 windows without zero weights take the fused interior path). */
const specs: [string, WindowSpec, boolean][] = [
  ['3×3 same padding', spec([9, 11], [3, 3], [1, 1], [1, 1], [1, 1]), false],
  ['3×3 same padding, a zero weight', spec([9, 11], [3, 3], [1, 1], [1, 1], [1, 1]), true],
  ['3×3 stride 2', spec([12, 10], [3, 3], [2, 2], [1, 1], [1, 1]), false],
  ['3×3 dilation 2, no padding', spec([10, 12], [3, 3], [1, 1], [2, 2], [0, 0]), false],
  ['5×3 dilation 2, no padding', spec([13, 9], [5, 3], [1, 1], [2, 2], [0, 0]), true],
  ['3×3 on a 2×2 plane (no interior)', spec([2, 2], [3, 3], [1, 1], [1, 1], [1, 1]), false],
  ['1×7 with padding 3', spec([4, 15], [1, 7], [1, 1], [1, 1], [0, 3]), false],
  // Maps of at most 16 positions go through the table kernel (window-table.ts) in the optimised engine.
  ['3×3 stride 2 on a 7×7 plane (a 4×4 map)', spec([7, 7], [3, 3], [2, 2], [1, 1], [1, 1]), false],
  ['5×5 padding 2 on a 3×4 plane, a zero weight', spec([3, 4], [5, 5], [1, 1], [1, 1], [2, 2]), true],
  ['3×3 dilation 2 on a 6×5 plane (a 2×1 map)', spec([6, 5], [3, 3], [1, 1], [2, 2], [0, 0]), false],
];

describe('windowAccumulate and its transpose', () => {
  for (const [[name, s, zeroWeight], optimised] of specs.flatMap((c) => [[c, true], [c, false]] as const)) {
    it(`${name}, ${optimised ? 'optimised' : 'reference'} engine: matches the definition, and the transpose is its adjoint`, () => withOptimised(optimised, () => {
      const g = windowGeometry(s);
      const x = values(g.inSize, 3);
      const w = values(g.kernelSize, 5);
      if (zeroWeight) w[1] = 0;
      const truth = direct(s, x, w);
      const y = new Float32Array(g.outSize + 2).fill(0.25);
      windowAccumulate(g, x, 0, w, 0, y, 1);
      let err = 0;
      for (let o = 0; o < g.outSize; o++) err = Math.max(err, Math.abs(y[1 + o] - 0.25 - truth[o]));
      expect(err).toBeLessThanOrEqual(1e-6);
      expect([y[0], y[g.outSize + 1]]).toEqual([0.25, 0.25]);
      // ⟨gy, W x⟩ = ⟨Wᵀ gy, x⟩
      const gy = values(g.outSize, 7);
      const gx = new Float32Array(g.inSize);
      windowAccumulateTransposed(g, gy, 0, w, 0, gx, 0);
      let lhs = 0;
      let rhs = 0;
      for (let o = 0; o < g.outSize; o++) lhs += gy[o] * truth[o];
      for (let i = 0; i < g.inSize; i++) rhs += gx[i] * x[i];
      expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-5);
    }));
  }
});
