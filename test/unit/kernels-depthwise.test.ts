import { describe, expect, it } from 'vitest';
import { depthwiseWasm, wasmDepthwiseCalls } from '../../workers/engine/kernels/depthwise-wasm';
import { windowAccumulate, windowAccumulateTransposed } from '../../workers/engine/kernels/window';
import { windowGeometry, type WindowGeometry } from '../../workers/engine/kernels/window-geometry';
import { withOptimised } from '../../workers/engine/optimise';

/**
 * The WebAssembly SIMD depthwise kernel against the TypeScript reference (window.ts in the
 * reference engine) on random geometries: kernels of 1 to 7, strides 1 to 3, dilations,
 * padding (negative too, as cropped geometries have), batches, one or two maps per channel.
 */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s >>> 8) / 2 ** 24;
  };
}

function values(count: number, next: () => number): Float32Array {
  return Float32Array.from({ length: count }, () => next() - 0.5);
}

interface Case {
  readonly name: string;
  readonly g: WindowGeometry;
  readonly images: number;
  readonly channels: number;
  readonly mg: number;
}

function caseOf(name: string, inH: number, inW: number, k: [number, number], s: [number, number], d: [number, number], p: [number, number], images: number, channels: number, mg: number, crop = 0): Case {
  const out = [inH, inW].map((n, a) => Math.floor((n + 2 * p[a] - d[a] * (k[a] - 1) - 1) / s[a]) + 1);
  // A crop keeps output positions [crop, out − crop): the geometry the optimised reversal uses.
  return {
    name,
    g: windowGeometry({
      inShape: [inH, inW],
      outShape: out.map((n) => n - 2 * crop),
      kernel: k,
      strides: s,
      dilations: d,
      padsBegin: p.map((v, a) => v - crop * s[a]),
    }),
    images,
    channels,
    mg,
  };
}

const fixed: Case[] = [
  caseOf('3×3 stride 1 padding 1, 5 images × 6 channels', 9, 13, [3, 3], [1, 1], [1, 1], [1, 1], 5, 6, 1),
  caseOf('3×3 stride 2 padding 1', 16, 16, [3, 3], [2, 2], [1, 1], [1, 1], 3, 4, 1),
  caseOf('3×3 stride 2 on an odd plane', 15, 11, [3, 3], [2, 2], [1, 1], [1, 1], 2, 3, 1),
  caseOf('3×3 stride 1 cropped (negative padding)', 12, 12, [3, 3], [1, 1], [1, 1], [1, 1], 4, 5, 1, 3),
  caseOf('3×3 stride 2 cropped', 16, 16, [3, 3], [2, 2], [1, 1], [1, 1], 4, 5, 1, 2),
  caseOf('5×5 padding 2, two maps per channel', 10, 9, [5, 5], [1, 1], [1, 1], [2, 2], 3, 4, 2),
  caseOf('3×3 dilation 2', 11, 12, [3, 3], [1, 1], [2, 2], [2, 2], 2, 3, 1),
  caseOf('3×3 on a 2×2 plane', 2, 2, [3, 3], [1, 1], [1, 1], [1, 1], 6, 8, 1),
  // Planes of at most 8 × 8 outputs: four maps a vector, maps not a multiple of four.
  caseOf('3×3 on a 4×4 plane, 7 maps', 4, 4, [3, 3], [1, 1], [1, 1], [1, 1], 5, 7, 1),
  caseOf('3×3 stride 2 from 4×4 to 2×2, 85 images', 4, 4, [3, 3], [2, 2], [1, 1], [1, 1], 85, 9, 1),
  caseOf('3×3 stride 2 on 16×16, to 8×8', 16, 16, [3, 3], [2, 2], [1, 1], [1, 1], 3, 6, 1),
  caseOf('3×3 on an 8×8 plane, 13 channels (the transpose four channels a vector)', 8, 8, [3, 3], [1, 1], [1, 1], [1, 1], 3, 13, 1),
  caseOf('3×3 stride 2 from 7×5, cropped', 7, 5, [3, 3], [2, 2], [1, 1], [1, 1], 2, 6, 1, 1),
  caseOf('3×3 on a 1×1 plane, two maps per channel', 1, 1, [3, 3], [1, 1], [1, 1], [1, 1], 4, 3, 2),
  caseOf('5×5 padding 2 on 3×5, one channel, two maps', 3, 5, [5, 5], [1, 1], [1, 1], [2, 2], 2, 1, 2),
  caseOf('3×3 no padding on 6×6, 2 channels', 6, 6, [3, 3], [1, 1], [1, 1], [0, 0], 3, 2, 1),
  caseOf('1×7 padding 3, stride 3 across', 5, 20, [1, 7], [1, 3], [1, 1], [0, 3], 2, 2, 1),
  caseOf('7×1 no padding', 12, 3, [7, 1], [1, 1], [1, 1], [0, 0], 2, 2, 2),
];

function randomCases(count: number): Case[] {
  const next = random(2026);
  const pick = (lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1));
  const out: Case[] = [];
  while (out.length < count) {
    const k: [number, number] = [pick(1, 5), pick(1, 5)];
    const s: [number, number] = [pick(1, 3), pick(1, 3)];
    const d: [number, number] = [pick(1, 2), pick(1, 2)];
    const p: [number, number] = [pick(0, k[0] - 1), pick(0, k[1] - 1)];
    const inH = pick(1, 14);
    const inW = pick(1, 14);
    const outH = Math.floor((inH + 2 * p[0] - d[0] * (k[0] - 1) - 1) / s[0]) + 1;
    const outW = Math.floor((inW + 2 * p[1] - d[1] * (k[1] - 1) - 1) / s[1]) + 1;
    if (outH < 1 || outW < 1) continue;
    const crop = outH > 2 && outW > 2 ? pick(0, 1) : 0;
    out.push(caseOf(`random ${out.length}: ${inH}×${inW}, k ${k}, s ${s}, d ${d}, p ${p}, crop ${crop}`, inH, inW, k, s, d, p, pick(1, 4), pick(1, 5), pick(1, 2), crop));
  }
  return out;
}

/** The reference: window.ts plane by plane, in the reference engine. */
function reference(c: Case, transposed: boolean, src: Float32Array, w: Float32Array): Float32Array {
  const { g, images, channels, mg } = c;
  const maps = channels * mg;
  const K = g.kernelSize;
  const out = new Float32Array(images * (transposed ? channels * g.inSize : maps * g.outSize));
  withOptimised(false, () => {
    for (let n = 0; n < images; n++) {
      for (let m = 0; m < maps; m++) {
        const ch = Math.floor(m / mg);
        if (transposed) windowAccumulateTransposed(g, src, (n * maps + m) * g.outSize, w, m * K, out, (n * channels + ch) * g.inSize);
        else windowAccumulate(g, src, (n * channels + ch) * g.inSize, w, m * K, out, (n * maps + m) * g.outSize);
      }
    }
  });
  return out;
}

function maxError(actual: Float32Array, expected: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  return worst;
}

describe('WebAssembly SIMD depthwise kernel', () => {
  for (const c of [...fixed, ...randomCases(40)]) {
    it(`${c.name}: forward and transposed (cropped to where gy is non-zero) match the TypeScript kernel to 1e-5`, () => {
      const { g, images, channels, mg } = c;
      const maps = channels * mg;
      const next = random(c.name.length * 7919);
      const w = values(maps * g.kernelSize, next);
      const x = values(images * channels * g.inSize, next);
      const gy = values(images * maps * g.outSize, next);
      const before = wasmDepthwiseCalls();
      const y = new Float32Array(images * maps * g.outSize).fill(NaN);
      const gx = new Float32Array(images * channels * g.inSize).fill(NaN);
      expect(depthwiseWasm('forward', g, { images, channels, maps, mg }, x, w, y)).toBe(true);
      expect(depthwiseWasm('transposed', g, { images, channels, maps, mg }, gy, w, gx)).toBe(true);
      expect(wasmDepthwiseCalls()).toBe(before + 2);
      expect(maxError(y, reference(c, false, x, w))).toBeLessThanOrEqual(1e-5);
      expect(maxError(gx, reference(c, true, gy, w))).toBeLessThanOrEqual(1e-5);
      // The transposed kernel crops to the box where gy is non-zero: a box of the planes, then none.
      const [, outH, outW] = g.outShape;
      const [r0, r1, c0, c1] = [Math.floor(outH / 3), Math.ceil((2 * outH) / 3), Math.floor(outW / 2), outW];
      const boxed = gy.map((v, i) => {
        const [r, col] = [Math.floor((i % g.outSize) / outW), i % outW];
        return r >= r0 && r < r1 && col >= c0 && col < c1 ? v : i % 2 ? -0 : 0;
      });
      gx.fill(NaN);
      expect(depthwiseWasm('transposed', g, { images, channels, maps, mg }, boxed, w, gx)).toBe(true);
      expect(maxError(gx, reference(c, true, boxed, w))).toBeLessThanOrEqual(1e-5);
      gx.fill(NaN);
      depthwiseWasm('transposed', g, { images, channels, maps, mg }, new Float32Array(gy.length), w, gx);
      expect(gx.every((v) => v === 0)).toBe(true);
      // Forward with an epilogue: each output map's bias, then a clamp (a Clip fused into the Conv).
      const bias = values(maps, next);
      const clamp = { min: 0, max: 0.2 };
      y.fill(NaN);
      expect(depthwiseWasm('forward', g, { images, channels, maps, mg }, x, w, y, { bias, clamp })).toBe(true);
      const plain = reference(c, false, x, w);
      const want = plain.map((v, i) => Math.min(clamp.max, Math.max(clamp.min, v + bias[Math.floor(i / g.outSize) % maps])));
      expect(maxError(y, want)).toBeLessThanOrEqual(1e-5);
    });
  }
});
