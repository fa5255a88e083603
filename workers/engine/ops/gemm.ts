import { attrNumber, ModelError } from '../graph';
import { gemm } from '../kernels/gemm';
import type { OpContext, OpDef } from '../op';
import { floatTensor, sizeOf, type Shape, type Tensor } from '../tensor';
import { broadcastInto } from './broadcast-util';
import { factorAtReference } from './op-args';

/** Gemm: Y = alpha · op(A) · op(B) + beta · C (ONNX Operators.md#Gemm). */
function dims(ctx: OpContext): { m: number; k: number; n: number; transA: boolean; transB: boolean } {
  const [a, b] = ctx.inputShapes;
  if (!a || !b || a.length !== 2 || b.length !== 2) {
    throw new ModelError(`node "${ctx.node.name}" (Gemm): A and B must be matrices, got ${fmt(a)} and ${fmt(b)}`);
  }
  const transA = attrNumber(ctx.node, 'transA', 0) !== 0;
  const transB = attrNumber(ctx.node, 'transB', 0) !== 0;
  const [m, k] = transA ? [a[1], a[0]] : [a[0], a[1]];
  const [kb, n] = transB ? [b[1], b[0]] : [b[0], b[1]];
  if (k !== kb) throw new ModelError(`node "${ctx.node.name}" (Gemm): inner dimensions differ: ${fmt(a)} × ${fmt(b)}`);
  return { m, k, n, transA, transB };
}

function fmt(s: Shape | undefined): string {
  return s ? `[${s.join(',')}]` : 'nothing';
}

export const gemmOp: OpDef = {
  type: 'Gemm',
  kind: 'linear',
  kindAt: (ctx) => (!ctx.constants[0] && !ctx.constants[1] ? 'nonlinear' : 'linear'),
  inferShapes(ctx) {
    const { m, n } = dims(ctx);
    return [[m, n]];
  },
  batchFirst: (ctx) => !dims(ctx).transA && !!ctx.constants[1],
  forward(ctx, inputs) {
    const { m, k, n, transA, transB } = dims(ctx);
    const [a, b, c] = inputs as (Tensor | undefined)[];
    const alpha = attrNumber(ctx.node, 'alpha', 1);
    const beta = attrNumber(ctx.node, 'beta', 1);
    const y = new Float32Array(m * n);
    gemm({ m, n, k, a: a!.data as Float32Array, transA, b: b!.data as Float32Array, transB, c: y, constantA: !!ctx.constants[0], constantB: !!ctx.constants[1] });
    if (alpha !== 1) for (let i = 0; i < y.length; i++) y[i] *= alpha;
    if (c && beta !== 0) {
      const cb = broadcastInto(c, [m, n]);
      for (let i = 0; i < y.length; i++) y[i] += beta * cb[i];
    }
    return [floatTensor([m, n], y)];
  },
  reverse(ctx, [gy]) {
    const { m, k, n, transA, transB } = dims(ctx);
    const alpha = attrNumber(ctx.node, 'alpha', 1);
    const batch = ctx.batch;
    if (!gy) return [undefined, undefined, undefined];
    let ga: Float32Array | undefined;
    let gb: Float32Array | undefined;
    if (!ctx.constants[0]) {
      // d op(A) = gy · op(B)ᵀ; with op(B) = B (K×N) that is gy · Bᵀ.
      const b = factorAtReference(ctx, 1);
      ga = new Float32Array(batch * m * k);
      if (!transA) {
        // All seeds at once: (batch·M)×N times N×K.
        gemm({ m: batch * m, n: k, k: n, a: gy, b, transB: !transB, c: ga, constantB: !!ctx.constants[1] });
      } else {
        for (let s = 0; s < batch; s++) {
          // dA (K×M) = op(B) · gyᵀ
          gemm({ m: k, n: m, k: n, a: b, transA: transB, b: gy, bOffset: s * m * n, transB: true, c: ga, cOffset: s * m * k });
        }
      }
      if (alpha !== 1) for (let i = 0; i < ga.length; i++) ga[i] *= alpha;
    }
    if (!ctx.constants[1]) {
      const a = factorAtReference(ctx, 0);
      gb = new Float32Array(batch * k * n);
      for (let s = 0; s < batch; s++) {
        if (!transB) {
          // dB (K×N) = op(A)ᵀ · gy
          gemm({ m: k, n, k: m, a, transA: !transA, b: gy, bOffset: s * m * n, c: gb, cOffset: s * k * n });
        } else {
          // dB (N×K) = gyᵀ · op(A)
          gemm({ m: n, n: k, k: m, a: gy, aOffset: s * m * n, transA: true, b: a, transB: transA, c: gb, cOffset: s * k * n });
        }
      }
      if (alpha !== 1) for (let i = 0; i < gb.length; i++) gb[i] *= alpha;
    }
    const cShape = ctx.inputShapes[2];
    let gc: Float32Array | undefined;
    if (cShape && !ctx.constants[2]) {
      const beta = attrNumber(ctx.node, 'beta', 1);
      gc = sumToShape(gy, batch, [m, n], cShape, beta);
    }
    return [ga, gb, gc];
  },
};

/** Sums a batch of [m,n] gradients down to a broadcast operand's shape (rank <= 2). */
function sumToShape(g: Float32Array, batch: number, [m, n]: number[], shape: Shape, scale: number): Float32Array {
  const full = [1, 1, ...shape].slice(-2);
  const out = new Float32Array(batch * sizeOf(shape));
  const per = sizeOf(shape);
  for (let s = 0; s < batch; s++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const oi = (full[0] === 1 ? 0 : i) * full[1] + (full[1] === 1 ? 0 : j);
        out[s * per + oi] += scale * g[s * m * n + i * n + j];
      }
    }
  }
  return out;
}
