import { describe, expect, it } from 'vitest';
import { lcgValues as values } from '../fixtures/lcg-values';
import { shiftedApplies, shiftedConv, type ShiftedConv } from '../../workers/engine/kernels/conv-shifted';
import { wasmGemm } from '../../workers/engine/kernels/gemm-wasm';
import { windowGeometry } from '../../workers/engine/kernels/window-geometry';

interface Case {
  readonly images: number;
  readonly channels: number;
  readonly maps: number;
  readonly inHW: [number, number];
  readonly outHW: [number, number];
  readonly kernel: [number, number];
  readonly dilations?: [number, number];
  readonly strides?: [number, number];
  /** May be negative: a cropped forward pass shifts the padding so the box reads what the whole map would. */
  readonly pads: [number, number];
}

/** The convolution's definition in double precision, y[n][m][o] = Σ w[m][c][k]·x[n][c][o·s − pad + k·d]: the truth. */
function direct(cs: Case, x: Float32Array, w: Float32Array): Float64Array {
  const [H, W] = cs.inHW;
  const [OH, OW] = cs.outHW;
  const [KH, KW] = cs.kernel;
  const [dh, dw] = cs.dilations ?? [1, 1];
  const [sh, sw] = cs.strides ?? [1, 1];
  const y = new Float64Array(cs.images * cs.maps * OH * OW);
  for (let n = 0; n < cs.images; n++) {
    for (let m = 0; m < cs.maps; m++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          let s = 0;
          for (let c = 0; c < cs.channels; c++) {
            for (let a = 0; a < KH; a++) {
              for (let b = 0; b < KW; b++) {
                const ih = oh * sh - cs.pads[0] + a * dh;
                const iw = ow * sw - cs.pads[1] + b * dw;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                s += w[((m * cs.channels + c) * KH + a) * KW + b] * x[((n * cs.channels + c) * H + ih) * W + iw];
              }
            }
          }
          y[((n * cs.maps + m) * OH + oh) * OW + ow] = s;
        }
      }
    }
  }
  return y;
}

function plan(cs: Case): ShiftedConv {
  const geometry = windowGeometry({ inShape: cs.inHW, outShape: cs.outHW, kernel: cs.kernel, strides: cs.strides ?? [1, 1], dilations: cs.dilations ?? [1, 1], padsBegin: cs.pads });
  return { images: cs.images, channels: cs.channels, maps: cs.maps, group: 1, geometry };
}

const cases: Case[] = [
  // A 3×3 "same" convolution over a batch (ResNet's blocks).
  { images: 5, channels: 16, maps: 16, inHW: [8, 8], outHW: [8, 8], kernel: [3, 3], pads: [1, 1] },
  // Non-square, no padding, more maps than channels, a 5×3 kernel.
  { images: 2, channels: 8, maps: 24, inHW: [9, 7], outHW: [5, 5], kernel: [5, 3], pads: [0, 0] },
  // Dilated, asymmetric padding.
  { images: 3, channels: 9, maps: 10, inHW: [10, 11], outHW: [8, 10], kernel: [3, 3], dilations: [2, 1], pads: [1, 0] },
  // A box of a larger map (cropped forward pass): padding shifted past the box (negative), outputs past the box read nothing.
  { images: 4, channels: 12, maps: 8, inHW: [6, 6], outHW: [6, 5], kernel: [3, 3], pads: [-1, 2] },
  // One image, a single-row output.
  { images: 1, channels: 8, maps: 8, inHW: [3, 12], outHW: [1, 10], kernel: [3, 3], pads: [0, 0] },
  // Stride 2, Keras "same" on an even map (padding only at the end: the last input row and column read by no output).
  { images: 3, channels: 16, maps: 32, inHW: [16, 16], outHW: [8, 8], kernel: [3, 3], strides: [2, 2], pads: [0, 0] },
  // Stride 2 with padding before, odd input (the first padded row is phase 0 of the grid).
  { images: 2, channels: 8, maps: 12, inHW: [9, 9], outHW: [5, 5], kernel: [3, 3], strides: [2, 2], pads: [1, 1] },
  // Strides (3, 2), a 4×5 kernel: more phases in a row than a stride of 2, uneven phases along columns.
  { images: 2, channels: 9, maps: 8, inHW: [13, 12], outHW: [4, 4], kernel: [4, 5], strides: [3, 2], pads: [1, 2] },
  // Stride 2 with dilation 2: every offset reads the same phase (one phase laid out, the others never read).
  { images: 2, channels: 8, maps: 8, inHW: [11, 11], outHW: [4, 5], kernel: [3, 3], strides: [2, 2], dilations: [2, 2], pads: [0, 1] },
  // A cropped strided pass: negative padding, outputs past the box.
  { images: 3, channels: 10, maps: 8, inHW: [7, 8], outHW: [4, 5], kernel: [3, 3], strides: [2, 2], pads: [-1, 0] },
];

describe('convolution as shifted GEMMs over a padded batch (kernels/conv-shifted.ts)', () => {
  it.skipIf(!wasmGemm())('forward equals the definition, and the transpose is its adjoint (⟨conv x, g⟩ = ⟨x, convᵀ g⟩, each against the definition)', () => {
    cases.forEach((cs, i) => {
      const p = plan(cs);
      expect(shiftedApplies(p, 'transposed')).toBe(true);
      const inSize = cs.inHW[0] * cs.inHW[1];
      const outSize = cs.outHW[0] * cs.outHW[1];
      const x = values(cs.images * cs.channels * inSize, 11 + i);
      const w = values(cs.maps * cs.channels * cs.kernel[0] * cs.kernel[1], 101 + i);
      const gy = values(cs.images * cs.maps * outSize, 1001 + i);
      const y = new Float32Array(cs.images * cs.maps * outSize).fill(NaN);
      expect(shiftedConv('forward', p, w, x, y)).toBe(true);
      const truth = direct(cs, x, w);
      truth.forEach((t, j) => expect(Math.abs(y[j] - t)).toBeLessThan(1e-5));
      const gx = new Float32Array(cs.images * cs.channels * inSize).fill(NaN);
      expect(shiftedConv('transposed', p, w, gy, gx)).toBe(true);
      // gx = Jᵀgy column by column: gx·e_j = gy·conv(e_j), with conv(e_j) from the definition.
      for (let j = 0; j < x.length; j += Math.max(1, Math.floor(x.length / 97))) {
        const e = new Float32Array(x.length);
        e[j] = 1;
        const column = direct(cs, e, w);
        let expected = 0;
        column.forEach((v, k) => (expected += v * gy[k]));
        expect(Math.abs(gx[j] - expected)).toBeLessThan(1e-5);
      }
    });
  });

  it('does not apply to strided forward passes, groups, 1×1 kernels, 3-D windows or few channels (those keep im2col or the direct loops)', () => {
    const base = plan(cases[0]);
    const g = (spec: Partial<Parameters<typeof windowGeometry>[0]>): ShiftedConv['geometry'] =>
      windowGeometry({ inShape: [8, 8], outShape: [8, 8], kernel: [3, 3], strides: [1, 1], dilations: [1, 1], padsBegin: [1, 1], ...spec });
    // Strided: the transpose only (forward keeps im2col's one GEMM).
    expect(shiftedApplies({ ...base, geometry: g({ strides: [2, 2], outShape: [4, 4] }) })).toBe(false);
    expect(shiftedApplies({ ...base, geometry: g({ strides: [2, 2], outShape: [4, 4] }) }, 'transposed')).toBe(true);
    expect(shiftedApplies({ ...base, group: 2 })).toBe(false);
    expect(shiftedApplies({ ...base, geometry: g({ kernel: [1, 1], padsBegin: [0, 0] }) })).toBe(false);
    expect(shiftedApplies({ ...base, geometry: g({ inShape: [3, 8, 8], outShape: [1, 8, 8], kernel: [3, 3, 3], strides: [1, 1, 1], dilations: [1, 1, 1], padsBegin: [0, 1, 1] }) })).toBe(false);
    expect(shiftedApplies({ ...base, channels: 3 })).toBe(false);
  });
});
