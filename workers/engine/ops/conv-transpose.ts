import { gemm, transpose } from '../kernels/gemm';
import { col2im, im2col } from '../kernels/im2col';
import { windowAccumulate, windowAccumulateTransposed } from '../kernels/window';
import type { OpContext, OpDef } from '../op';
import { floatTensor } from '../tensor';
import { addBias, convKernel, convOperands, copy, floatData, imagesPerPass, isDirect, reverseConv, type ConvPlanBase } from './conv-common';
import { fail, geometryOf, isPointwise, transposedWindow } from './conv-geometry';

/**
 * ConvTranspose (ONNX Operators.md#ConvTranspose): X (N×C×D…), W (C×M/group×k…), Y (N×M×…).
 * It is the transpose of the convolution that maps Y's spatial grid to X's: forward is
 * Wᵀ·X then col2im, the reversal w.r.t. X is that convolution (im2col then W·cols).
 */
/** The geometry is that of the convolution Y → X: inSize is Y's plane, outSize is X's. */
type TransposedPlan = ConvPlanBase;

function plan(ctx: OpContext): TransposedPlan {
  const { images, channels, wShape, group, spatial } = convOperands(ctx, 'C×M/group×kernel');
  if (wShape[0] !== channels) fail(ctx, `X has ${channels} channels but W has ${wShape[0]}`);
  if (channels % group !== 0) fail(ctx, `X has ${channels} channels, not divisible by group ${group}`);
  const mg = wShape[1];
  const maps = mg * group;
  const window = transposedWindow(ctx, spatial, convKernel(ctx, spatial, wShape, maps));
  return {
    images,
    channels,
    maps,
    group,
    cg: channels / group,
    mg,
    geometry: geometryOf(window),
    pointwise: isPointwise(window) && window.inSpatial.every((d, i) => d === window.outSpatial[i]),
    outShape: [images, maps, ...window.inSpatial],
  };
}

/** y (images×M×Q) = convᵀ(x, w), no bias. */
function forwardValues(p: TransposedPlan, x: Float32Array, w: Float32Array): Float32Array {
  const { images, channels, maps, group, cg, mg, geometry: g } = p;
  const Q = g.inSize;
  const P = g.outSize;
  const K = g.kernelSize;
  const rows = mg * K;
  const y = new Float32Array(images * maps * Q);
  if (isDirect(p)) {
    for (let n = 0; n < images; n++) {
      for (let m = 0; m < maps; m++) {
        const gi = Math.floor(m / mg);
        windowAccumulateTransposed(g, x, (n * channels + gi) * P, w, m * K, y, (n * maps + m) * Q);
      }
    }
    return y;
  }
  // Each group's W is cg × rows; the product needs its transpose.
  const wT = new Float32Array(group * rows * cg);
  for (let gi = 0; gi < group; gi++) wT.set(transpose(w, gi * cg * rows, cg, rows), gi * rows * cg);
  const cols = p.pointwise ? y : new Float32Array(rows * P);
  for (let n = 0; n < images; n++) {
    for (let gi = 0; gi < group; gi++) {
      const yOff = (n * maps + gi * mg) * Q;
      gemm({
        m: rows, n: P, k: cg,
        a: wT, aOffset: gi * rows * cg,
        b: x, bOffset: (n * channels + gi * cg) * P,
        c: cols, cOffset: p.pointwise ? yOff : 0,
      });
      if (!p.pointwise) col2im(g, mg, cols, 0, P, y, yOff);
    }
  }
  return y;
}

/** gx (images×C×P) = conv(gy, w) for `images` independent images. */
function reverseValues(p: TransposedPlan, images: number, gy: Float32Array, w: Float32Array): Float32Array {
  const { channels, maps, group, cg, mg, geometry: g } = p;
  const Q = g.inSize;
  const P = g.outSize;
  const K = g.kernelSize;
  const rows = mg * K;
  const gx = new Float32Array(images * channels * P);
  if (isDirect(p)) {
    for (let n = 0; n < images; n++) {
      for (let m = 0; m < maps; m++) {
        const gi = Math.floor(m / mg);
        windowAccumulate(g, gy, (n * maps + m) * Q, w, m * K, gx, (n * channels + gi) * P);
      }
    }
    return gx;
  }
  if (p.pointwise) {
    for (let n = 0; n < images; n++) {
      for (let gi = 0; gi < group; gi++) {
        gemm({
          m: cg, n: P, k: mg,
          a: w, aOffset: gi * cg * rows,
          b: gy, bOffset: (n * maps + gi * mg) * Q,
          c: gx, cOffset: (n * channels + gi * cg) * P,
        });
      }
    }
    return gx;
  }
  const perPass = imagesPerPass(P, rows, images);
  let cols = new Float32Array(rows * perPass * P);
  const product = perPass > 1 ? new Float32Array(cg * perPass * P) : undefined;
  for (let n0 = 0; n0 < images; n0 += perPass) {
    const count = Math.min(perPass, images - n0);
    const width = count * P;
    // im2col leaves padding entries untouched: a narrower last pass needs a fresh (zero) matrix.
    if (count !== perPass) cols = new Float32Array(rows * width);
    for (let gi = 0; gi < group; gi++) {
      for (let j = 0; j < count; j++) im2col(g, mg, gy, ((n0 + j) * maps + gi * mg) * Q, cols, j * P, width);
      if (count === 1) {
        gemm({ m: cg, n: P, k: rows, a: w, aOffset: gi * cg * rows, b: cols, c: gx, cOffset: (n0 * channels + gi * cg) * P });
        continue;
      }
      gemm({ m: cg, n: width, k: rows, a: w, aOffset: gi * cg * rows, b: cols, c: product! });
      for (let r = 0; r < cg; r++) {
        for (let j = 0; j < count; j++) copy(product!, r * width + j * P, gx, ((n0 + j) * channels + gi * cg + r) * P, P);
      }
    }
  }
  return gx;
}

/** gW for each seed: X_g · im2col(gY_g)ᵀ summed over the model's images. */
function weightGradient(p: TransposedPlan, seeds: number, gy: Float32Array, x: Float32Array): Float32Array {
  const { images, channels, maps, group, cg, mg, geometry: g } = p;
  const P = g.outSize;
  const rows = mg * g.kernelSize;
  const wSize = channels * rows;
  const gw = new Float32Array(seeds * wSize);
  const cols = new Float32Array(rows * P);
  const xT: Float32Array[] = [];
  for (let n = 0; n < images; n++) for (let gi = 0; gi < group; gi++) xT.push(transpose(x, (n * channels + gi * cg) * P, cg, P));
  const product = new Float32Array(rows * cg);
  for (let s = 0; s < seeds; s++) {
    for (let n = 0; n < images; n++) {
      for (let gi = 0; gi < group; gi++) {
        im2col(g, mg, gy, ((s * images + n) * maps + gi * mg) * g.inSize, cols, 0, P);
        // (cols · X_gᵀ) is gW_gᵀ: rows × cg.
        gemm({ m: rows, n: cg, k: P, a: cols, b: xT[n * group + gi], c: product });
        const base = s * wSize + gi * cg * rows;
        for (let r = 0; r < rows; r++) for (let c = 0; c < cg; c++) gw[base + c * rows + r] += product[r * cg + c];
      }
    }
  }
  return gw;
}

export const convTransposeOp: OpDef = {
  type: 'ConvTranspose',
  kind: 'linear',
  kindAt: (ctx) => (!ctx.constants[0] && !ctx.constants[1] ? 'nonlinear' : 'linear'),
  inferShapes: (ctx) => [plan(ctx).outShape],
  forward(ctx, inputs) {
    const p = plan(ctx);
    const y = forwardValues(p, floatData(ctx, inputs[0], 'X'), floatData(ctx, inputs[1], 'W'));
    if (inputs[2]) addBias(y, floatData(ctx, inputs[2], 'B'), p.images, p.maps, p.geometry.inSize);
    return [floatTensor(p.outShape, y)];
  },
  reverse(ctx, [gy]) {
    if (!gy) return [undefined, undefined, undefined];
    const p = plan(ctx);
    return reverseConv(ctx, gy, p, p.geometry.inSize, (images, w) => reverseValues(p, images, gy, w), (seeds, x) => weightGradient(p, seeds, gy, x));
  },

};
