import { cachedTranspose, gemm, transpose } from '../kernels/gemm';
import { boxSize, cropGeometry, gatherBox, nonzeroBox } from '../kernels/active-region';
import { col2im, im2col } from '../kernels/im2col';
import { depthwiseWasm } from '../kernels/depthwise-wasm';
import { shiftedApplies, shiftedConv } from '../kernels/conv-shifted';
import { recycleFloats, scratchFloats, zeroedFloats } from '../kernels/scratch';
import { isOptimised } from '../optimise';
import { windowAccumulate, windowAccumulateTransposed } from '../kernels/window';
import type { OpContext, OpDef } from '../op';
import { floatTensor, type Tensor } from '../tensor';
import type { ClampBounds } from '../kernels/clamp';
import { applyEpilogue, hasEpilogue, type Epilogue } from '../kernels/epilogue';
import { convKernel, convOperands, copy, floatData, imagesPerPass, isDirect, reverseConv, type ConvPlanBase } from './conv-common';
import { fail, forwardWindow, geometryOf, isPointwise, isWholeInput } from './conv-geometry';

/**
 * Conv (ONNX Operators.md#Conv): X (N×C×D…) * W (M×C/group×k…) + B. Forward is im2col +
 * GEMM per image and group; the reversal w.r.t. X is the transposed convolution
 * (Wᵀ·gY then col2im). Depthwise-like groups (one input channel each) use direct loops.
 */
interface ConvPlan extends ConvPlanBase {
  readonly wholeInput: boolean;
}

function plan(ctx: OpContext): ConvPlan {
  const { images, channels, wShape, group, spatial } = convOperands(ctx, 'M×C/group×kernel');
  const [maps, cg] = wShape;
  if (cg * group !== channels) fail(ctx, `X has ${channels} channels but W takes ${cg} per group × ${group} groups`);
  if (maps % group !== 0) fail(ctx, `W has ${maps} output channels, not divisible by group ${group}`);
  const window = forwardWindow(ctx, spatial, convKernel(ctx, spatial, wShape, maps));
  return {
    images,
    channels,
    maps,
    group,
    cg,
    mg: maps / group,
    geometry: geometryOf(window),
    pointwise: isPointwise(window),
    wholeInput: isWholeInput(window),
    outShape: [images, maps, ...window.outSpatial],
  };
}

/** y (images×M×P) = conv(x, w), then the epilogue (the bias, and a fused Clip's clamp): in the kernels' own output pass where they have one. */
function convolve(p: ConvPlan, x: Float32Array, w: Float32Array, y: Float32Array, constantW: boolean, after: Epilogue): void {
  if (convolveBare(p, x, w, y, constantW, after) || !hasEpilogue(after)) return;
  // One image at a time: its outputs stay in cache between the bias and the clamp.
  const size = p.maps * p.geometry.outSize;
  for (let n = 0; n < p.images; n++) applyEpilogue(y, n * size, p.maps, p.geometry.outSize, after, (m) => m);
}

/** y = conv(x, w); true when the path applied the epilogue itself. */
function convolveBare(p: ConvPlan, x: Float32Array, w: Float32Array, y: Float32Array, constantW: boolean, after: Epilogue): boolean {
  const { images, channels, maps, group, cg, mg, geometry: g } = p;
  const inSize = g.inSize;
  const P = g.outSize;
  const K = g.kernelSize;
  const rows = cg * K;
  if (isDirect(p)) {
    if (isOptimised() && depthwiseWasm('forward', g, p, x, w, y, after)) return true;
    y.fill(0);
    for (let n = 0; n < images; n++) {
      for (let m = 0; m < maps; m++) {
        const c = Math.floor(m / mg);
        windowAccumulate(g, x, (n * channels + c) * inSize, w, m * K, y, (n * maps + m) * P);
      }
    }
    return false;
  }
  if (isOptimised() && shiftedApplies(p) && shiftedConv('forward', p, w, x, y)) return false;
  // Side by side only where a map is narrower than a GEMM row wants: wider maps go straight
  // from x into y (the copies in and out were as costly as the GEMM on 32×32 maps, measured).
  if (isOptimised() && images > 1 && imagesPerPass(P, rows, images) > 1) {
    convolveSideBySide(p, x, w, y, constantW, after);
    return true;
  }
  const cols = p.pointwise ? x : new Float32Array(rows * P);
  for (let n = 0; n < images; n++) {
    for (let gi = 0; gi < group; gi++) {
      const xOff = (n * channels + gi * cg) * inSize;
      if (!p.pointwise) im2col(g, cg, x, xOff, cols, 0, P);
      gemm({
        m: mg, n: P, k: rows,
        a: w, aOffset: gi * mg * rows,
        b: cols, bOffset: p.pointwise ? xOff : 0,
        c: y, cOffset: (n * maps + gi * mg) * P,
        constantA: constantW,
        epilogue: { ...after, biasOffset: gi * mg },
      });
    }
  }
  return true;
}

/**
 * convolve() for a batch of images (the batched forward): the windows of several images side
 * by side in one matrix, so each GEMM is wide even where a map has few positions. Each row
 * of the GEMM is computed as for one image, so the values are the same.
 */
function convolveSideBySide(p: ConvPlan, x: Float32Array, w: Float32Array, y: Float32Array, constantW: boolean, after: Epilogue): void {
  const { images, channels, maps, group, cg, mg, geometry: g } = p;
  const P = g.outSize;
  const rows = cg * g.kernelSize;
  const perPass = imagesPerPass(P, rows, images);
  const cols = zeroedFloats(rows * perPass * P);
  const out = scratchFloats(mg * perPass * P);
  for (let n0 = 0; n0 < images; n0 += perPass) {
    const count = Math.min(perPass, images - n0);
    const width = count * P;
    // im2col leaves padding entries untouched: a narrower last pass must not see the wider one's values there.
    if (count < perPass && n0 > 0) cols.fill(0);
    for (let gi = 0; gi < group; gi++) {
      for (let j = 0; j < count; j++) {
        const xOff = ((n0 + j) * channels + gi * cg) * g.inSize;
        if (p.pointwise) {
          for (let r = 0; r < rows; r++) copy(x, xOff + r * P, cols, r * width + j * P, P);
        } else {
          im2col(g, cg, x, xOff, cols, j * P, width);
        }
      }
      gemm({ m: mg, n: width, k: rows, a: w, aOffset: gi * mg * rows, b: cols, c: out, constantA: constantW, epilogue: { ...after, biasOffset: gi * mg } });
      for (let r = 0; r < mg; r++) {
        for (let j = 0; j < count; j++) copy(out, r * width + j * P, y, ((n0 + j) * maps + gi * mg + r) * P, P);
      }
    }
  }
  recycleFloats(cols);
  recycleFloats(out);
}

/**
 * gx (images×C×inSize) = convᵀ(gy, w) for `images` independent images (seeds × model images).
 * The optimised engine first crops gy to the box where it is non-zero (the seeds' cone).
 */
function convolveTransposed(p: ConvPlan, images: number, gy: Float32Array, w: Float32Array): Float32Array {
  if (isOptimised() && isDirect(p)) {
    // The WebAssembly kernel crops to the box itself (a SIMD scan of the planes it copies in).
    const gx = zeroedFloats(images * p.channels * p.geometry.inSize);
    if (depthwiseWasm('transposed', p.geometry, { ...p, images }, gy, w, gx)) return gx;
    recycleFloats(gx);
  }
  if (isOptimised() && !p.pointwise && !p.wholeInput) {
    const box = nonzeroBox(p.geometry, gy, images * p.maps);
    if (!box) return zeroedFloats(images * p.channels * p.geometry.inSize);
    if (boxSize(box) < p.geometry.outSize) {
      const cropped = gatherBox(p.geometry, box, gy, images * p.maps);
      const gx = convolveTransposedFull({ ...p, geometry: cropGeometry(p.geometry, box) }, images, cropped, w);
      recycleFloats(cropped);
      return gx;
    }
  }
  return convolveTransposedFull(p, images, gy, w);
}

function convolveTransposedFull(p: ConvPlan, images: number, gy: Float32Array, w: Float32Array): Float32Array {
  const { channels, maps, group, cg, mg, geometry: g } = p;
  const inSize = g.inSize;
  const P = g.outSize;
  const K = g.kernelSize;
  const rows = cg * K;
  const gx = zeroedFloats(images * channels * inSize);
  if (isDirect(p)) {
    for (let n = 0; n < images; n++) {
      for (let m = 0; m < maps; m++) {
        const c = Math.floor(m / mg);
        windowAccumulateTransposed(g, gy, (n * maps + m) * P, w, m * K, gx, (n * channels + c) * inSize);
      }
    }
    return gx;
  }
  if (p.wholeInput && group === 1) {
    // One window per image (a dense layer written as a conv): every image's gx row is gy·W at once.
    gemm({ m: images, n: rows, k: maps, a: gy, b: w, c: gx, constantB: true });
    return gx;
  }
  if (isOptimised() && shiftedApplies({ ...p, images }, 'transposed') && shiftedConv('transposed', { ...p, images }, w, gy, gx)) return gx;
  // wT holds each group's Wᵀ (rows × mg), made once for every seed (and kept by the optimised engine).
  const wT = group === 1 && isOptimised() ? cachedTranspose(w, 0, mg, rows) : groupTransposes(w, group, mg, rows);
  if (p.pointwise) {
    for (let n = 0; n < images; n++) {
      for (let gi = 0; gi < group; gi++) {
        gemm({
          m: cg, n: P, k: mg,
          a: wT, aOffset: gi * rows * mg,
          b: gy, bOffset: (n * maps + gi * mg) * P,
          c: gx, cOffset: (n * channels + gi * cg) * inSize,
          constantA: true,
        });
      }
    }
    return gx;
  }
  const perPass = imagesPerPass(P, rows, images);
  const cols = new Float32Array(rows * perPass * P);
  const gathered = perPass > 1 ? new Float32Array(mg * perPass * P) : undefined;
  for (let n0 = 0; n0 < images; n0 += perPass) {
    const count = Math.min(perPass, images - n0);
    const width = count * P;
    for (let gi = 0; gi < group; gi++) {
      let b = gy;
      let bOffset = (n0 * maps + gi * mg) * P;
      if (gathered && count > 1) {
        // Side by side: row r of the gathered matrix holds map r of each image in turn.
        for (let r = 0; r < mg; r++) {
          for (let j = 0; j < count; j++) copy(gy, ((n0 + j) * maps + gi * mg + r) * P, gathered, r * width + j * P, P);
        }
        b = gathered;
        bOffset = 0;
      }
      gemm({ m: rows, n: width, k: mg, a: wT, aOffset: gi * rows * mg, b, bOffset, c: cols, constantA: true });
      for (let j = 0; j < count; j++) col2im(g, cg, cols, j * P, width, gx, ((n0 + j) * channels + gi * cg) * inSize);
    }
  }
  return gx;
}

function groupTransposes(w: Float32Array, group: number, mg: number, rows: number): Float32Array {
  const wT = new Float32Array(group * rows * mg);
  for (let gi = 0; gi < group; gi++) wT.set(transpose(w, gi * mg * rows, mg, rows), gi * rows * mg);
  return wT;
}

/** gW for each seed: gY_g · im2col(X_g)ᵀ summed over the model's images. */
function weightGradient(p: ConvPlan, seeds: number, gy: Float32Array, x: Float32Array): Float32Array {
  const { images, channels, maps, group, cg, mg, geometry: g } = p;
  const P = g.outSize;
  const rows = cg * g.kernelSize;
  const wSize = maps * rows;
  const gw = new Float32Array(seeds * wSize);
  const cols = new Float32Array(rows * P);
  for (let n = 0; n < images; n++) {
    for (let gi = 0; gi < group; gi++) {
      im2col(g, cg, x, (n * channels + gi * cg) * g.inSize, cols, 0, P);
      const colsT = transpose(cols, 0, rows, P);
      for (let s = 0; s < seeds; s++) {
        gemm({
          m: mg, n: rows, k: P,
          a: gy, aOffset: ((s * images + n) * maps + gi * mg) * P,
          b: colsT,
          c: gw, cOffset: s * wSize + gi * mg * rows, accumulate: true,
        });
      }
    }
  }
  return gw;
}

/**
 * Y = conv(X, W) + B, then clamped to `clamp` when given: a Clip that reads only this Conv's
 * output, fused into it by the batched forward pass (forward-fuse.ts), so the outputs are
 * written once instead of once more by the bias and once more by the Clip.
 */
export function convForward(ctx: OpContext, inputs: readonly (Tensor | undefined)[], clamp?: ClampBounds): Tensor {
  const p = plan(ctx);
  const x = floatData(ctx, inputs[0], 'X');
  const w = floatData(ctx, inputs[1], 'W');
  // Every path writes each output (the window loops clear y first): a recycled array needs no clearing here.
  const y = scratchFloats(p.images * p.maps * p.geometry.outSize);
  const bias = inputs[2] ? floatData(ctx, inputs[2], 'B') : undefined;
  convolve(p, x, w, y, !!ctx.constants[1], { bias, clamp });
  return floatTensor(p.outShape, y);
}

export const convOp: OpDef = {
  type: 'Conv',
  kind: 'linear',
  // Linear in X for a constant W (and in W for a constant X); bilinear when both vary.
  kindAt: (ctx) => (!ctx.constants[0] && !ctx.constants[1] ? 'nonlinear' : 'linear'),
  inferShapes: (ctx) => [plan(ctx).outShape],
  batchFirst: (ctx) => !!ctx.constants[1],
  forward: (ctx, inputs) => [convForward(ctx, inputs)],
  reverse(ctx, [gy]) {
    if (!gy) return [undefined, undefined, undefined];
    const p = plan(ctx);
    return reverseConv(ctx, gy, p, p.geometry.outSize, (images, w) => convolveTransposed(p, images, gy, w), (seeds, x) => weightGradient(p, seeds, gy, x));
  },

};
