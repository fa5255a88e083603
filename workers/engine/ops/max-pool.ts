import { attrNumber } from '../graph';
import { windowArgmax } from '../kernels/window';
import type { WindowGeometry } from '../kernels/window-geometry';
import type { OpContext, OpDef, ReverseContext } from '../op';
import type { Tensor } from '../tensor';
import { averagePlan, averageReverse } from './average-pool';
import { fail, forwardWindow, geometryOf, kernelOf, spatialDims } from './conv-geometry';

/**
 * MaxPool (ONNX Operators.md#MaxPool): the largest element of each window, with the
 * optional Indices output. Nonlinear: the surrogate mode reverses the average pool over the
 * same window (padding not counted); local, deconvnet and guided route each gradient to its
 * window's argmax at the reference input (the switches of Zeiler & Fergus).
 */
interface MaxPlan {
  readonly planes: number;
  readonly geometry: WindowGeometry;
  readonly outShape: number[];
}

function plan(ctx: OpContext): MaxPlan {
  const xShape = ctx.inputShapes[0];
  const inSpatial = spatialDims(ctx, xShape);
  const kernel = kernelOf(ctx, inSpatial.length);
  const window = forwardWindow(ctx, inSpatial, kernel, { ceilMode: attrNumber(ctx.node, 'ceil_mode', 0) !== 0 });
  return { planes: xShape![0] * xShape![1], geometry: geometryOf(window), outShape: [xShape![0], xShape![1], ...window.outSpatial] };
}

/** For every plane, the in-plane index of each window's maximum (-1: empty window). */
export function argmaxTable(g: WindowGeometry, planes: number, x: Float32Array): Int32Array {
  const P = g.outSize;
  const table = new Int32Array(planes * P);
  const best = new Float32Array(P);
  const arg = new Int32Array(P);
  for (let q = 0; q < planes; q++) {
    windowArgmax(g, x, q * g.inSize, best, arg);
    table.set(arg, q * P);
  }
  return table;
}

/** Scatters each seed's gradient to the argmax positions of its plane. */
export function routeToArgmax(table: Int32Array, planes: number, plane: number, pooled: number, seeds: number, gy: Float32Array): Float32Array {
  const gx = new Float32Array(seeds * planes * plane);
  for (let s = 0; s < seeds; s++) {
    for (let q = 0; q < planes; q++) {
      const t = q * pooled;
      const src = (s * planes + q) * pooled;
      const dst = (s * planes + q) * plane;
      for (let o = 0; o < pooled; o++) {
        const a = table[t + o];
        if (a >= 0) gx[dst + a] += gy[src + o];
      }
    }
  }
  return gx;
}

/** The reference input's values as float32 (the switches are chosen there). */
export function referenceInput(ctx: ReverseContext): Float32Array {
  const t = ctx.reference?.inputs[0];
  if (!t) fail(ctx, `the ${ctx.mode} mode needs the reference input's values to choose each window's maximum`);
  return t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
}

/** Flat index of an in-plane position in the whole input, row-major or (storage_order 1) column-major over the spatial axes. */
function flatIndex(g: WindowGeometry, plane: number, inPlane: number, columnMajor: boolean): number {
  if (!columnMajor) return plane * g.inSize + inPlane;
  const [D, H, W] = g.inShape;
  const w = inPlane % W;
  const h = Math.floor(inPlane / W) % H;
  const d = Math.floor(inPlane / (W * H));
  return plane * g.inSize + d + D * (h + H * w);
}

export const maxPoolOp: OpDef = {
  type: 'MaxPool',
  kind: 'nonlinear',
  // The surrogate is the average pool over the same window.
  linearisedInSurrogate: () => false,
  inferShapes(ctx) {
    const p = plan(ctx);
    return ctx.node.outputs.length > 1 ? [p.outShape, p.outShape] : [p.outShape];
  },
  // The Indices output counts flat positions across the batch, so only Y alone is batched.
  batchFirst: (ctx) => ctx.node.outputs.length === 1,
  forward(ctx, inputs) {
    const p = plan(ctx);
    const x = inputs[0] as Tensor;
    const values = x.data instanceof Float32Array ? x.data : Float32Array.from(x.data);
    const table = argmaxTable(p.geometry, p.planes, values);
    const P = p.geometry.outSize;
    // Same dtype as X (MaxPool also takes integer tensors).
    const y = x.data instanceof Float32Array ? new Float32Array(table.length) : new Float64Array(table.length);
    for (let q = 0; q < p.planes; q++) {
      for (let o = 0; o < P; o++) {
        const a = table[q * P + o];
        y[q * P + o] = a >= 0 ? x.data[q * p.geometry.inSize + a] : 0;
      }
    }
    const out: Tensor[] = [{ dtype: x.dtype, shape: p.outShape, data: y }];
    if (ctx.node.outputs.length > 1) {
      const columnMajor = attrNumber(ctx.node, 'storage_order', 0) === 1;
      const indices = new Float64Array(table.length);
      for (let q = 0; q < p.planes; q++) {
        for (let o = 0; o < P; o++) {
          const a = table[q * P + o];
          indices[q * P + o] = a >= 0 ? flatIndex(p.geometry, q, a, columnMajor) : -1;
        }
      }
      out.push({ dtype: 'int64', shape: p.outShape, data: indices });
    }
    return out;
  },
  reversePerSeed: true,
  reverse(ctx, [gy]) {
    if (!gy) return [undefined];
    if (ctx.mode === 'exact') fail(ctx, 'MaxPool is not linear; the exact mode cannot reverse it');
    if (ctx.mode === 'surrogate') return [averageReverse(averagePlan(ctx, false), ctx.batch, gy)];
    const p = plan(ctx);
    // Per seed, the switches of its own image: the batch is one seed over batch × planes planes.
    const [planes, seeds] = ctx.referencePerSeed ? [p.planes * ctx.batch, 1] : [p.planes, ctx.batch];
    const table = argmaxTable(p.geometry, planes, referenceInput(ctx));
    return [routeToArgmax(table, planes, p.geometry.inSize, p.geometry.outSize, seeds, gy)];
  },
};
