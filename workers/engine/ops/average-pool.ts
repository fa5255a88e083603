import { attrNumber } from '../graph';
import { boxSize, cropGeometry, gatherBox, nonzeroBox } from '../kernels/active-region';
import { recycleFloats, zeroedFloats } from '../kernels/scratch';
import { isOptimised } from '../optimise';
import { windowAccumulate, windowAccumulateTransposed, windowCounts } from '../kernels/window';
import type { WindowGeometry } from '../kernels/window-geometry';
import type { OpContext, OpDef } from '../op';
import { floatTensor } from '../tensor';
import { floatData } from './conv-common';
import { forwardWindow, geometryOf, kernelOf, spatialDims } from './conv-geometry';

/**
 * AveragePool (ONNX Operators.md#AveragePool): a depthwise window sum with unit weights,
 * each output divided by the number of elements its window counts (all of the padded
 * window, or only those inside the input: count_include_pad). Linear.
 */
export interface AveragePlan {
  /** N·C planes pooled independently. */
  readonly planes: number;
  readonly geometry: WindowGeometry;
  /** 1 / (elements counted) per output position; 0 for a window with none. */
  readonly scale: Float32Array;
  readonly ones: Float32Array;
  readonly outShape: number[];
}

/** The average pool of a window; MaxPool's surrogate uses it with includePad = false. */
export function averagePlan(ctx: OpContext, includePad: boolean): AveragePlan {
  const xShape = ctx.inputShapes[0];
  const inSpatial = spatialDims(ctx, xShape);
  const kernel = kernelOf(ctx, inSpatial.length);
  const window = forwardWindow(ctx, inSpatial, kernel, { ceilMode: attrNumber(ctx.node, 'ceil_mode', 0) !== 0 });
  const geometry = geometryOf(window);
  const counts = windowCounts(geometry, window.padsEnd, includePad);
  const scale = new Float32Array(counts.length);
  for (let i = 0; i < counts.length; i++) scale[i] = counts[i] > 0 ? 1 / counts[i] : 0;
  return {
    planes: xShape![0] * xShape![1],
    geometry,
    scale,
    ones: new Float32Array(geometry.kernelSize).fill(1),
    outShape: [xShape![0], xShape![1], ...window.outSpatial],
  };
}

export function averageForward(p: AveragePlan, x: Float32Array): Float32Array {
  const g = p.geometry;
  const P = g.outSize;
  const y = zeroedFloats(p.planes * P);
  for (let q = 0; q < p.planes; q++) {
    const yOff = q * P;
    windowAccumulate(g, x, q * g.inSize, p.ones, 0, y, yOff);
    for (let o = 0; o < P; o++) y[yOff + o] *= p.scale[o];
  }
  return y;
}

/** gx for `seeds` seeds of the pooled output. */
export function averageReverse(p: AveragePlan, seeds: number, gy: Float32Array): Float32Array {
  const planes = seeds * p.planes;
  if (!isOptimised()) return averageReverseOver(p.geometry, p.scale, p.ones, planes, gy, false);
  // Optimised: only the box where gy is non-zero (the seeds' cone), skipping all-zero planes.
  const box = nonzeroBox(p.geometry, gy, planes);
  if (!box) return zeroedFloats(planes * p.geometry.inSize);
  if (boxSize(box) === p.geometry.outSize) return averageReverseOver(p.geometry, p.scale, p.ones, planes, gy, true);
  const g = cropGeometry(p.geometry, box);
  const cropped = gatherBox(p.geometry, box, gy, planes);
  const gx = averageReverseOver(g, gatherBox(p.geometry, box, p.scale, 1), p.ones, planes, cropped, true);
  recycleFloats(cropped);
  return gx;
}

function averageReverseOver(g: WindowGeometry, scale: Float32Array, ones: Float32Array, planes: number, gy: Float32Array, skipZeroPlanes: boolean): Float32Array {
  const P = g.outSize;
  const gx = zeroedFloats(planes * g.inSize);
  const scaled = new Float32Array(P);
  for (let q = 0; q < planes; q++) {
    const yOff = q * P;
    let nonzero = !skipZeroPlanes;
    for (let o = 0; o < P; o++) {
      scaled[o] = gy[yOff + o] * scale[o];
      if (scaled[o] !== 0) nonzero = true;
    }
    if (!nonzero) continue;
    windowAccumulateTransposed(g, scaled, 0, ones, 0, gx, q * g.inSize);
  }
  return gx;
}

function includePadOf(ctx: OpContext): boolean {
  return attrNumber(ctx.node, 'count_include_pad', 0) !== 0;
}

export const averagePoolOp: OpDef = {
  type: 'AveragePool',
  kind: 'linear',
  inferShapes: (ctx) => [averagePlan(ctx, includePadOf(ctx)).outShape],
  batchFirst: () => true,
  forward(ctx, inputs) {
    const p = averagePlan(ctx, includePadOf(ctx));
    return [floatTensor(p.outShape, averageForward(p, floatData(ctx, inputs[0], 'X')))];
  },
  reverse(ctx, [gy]) {
    if (!gy) return [undefined];
    return [averageReverse(averagePlan(ctx, includePadOf(ctx)), ctx.batch, gy)];
  },
};
