import { ModelError } from '../graph';
import { gemm } from '../kernels/gemm';
import type { OpContext, OpDef } from '../op';
import { floatTensor, sizeOf, type Tensor } from '../tensor';
import { broadcastShapes } from './broadcast-util';
import { factorAtReference } from './op-args';

/** MatMul with numpy semantics (ONNX Operators.md#MatMul): 1-D operands are promoted, batch dims broadcast. */
interface Plan {
  m: number;
  k: number;
  n: number;
  outShape: number[];
  /** Per output matrix: index of the A and B matrices it multiplies. */
  aIndex: Int32Array;
  bIndex: Int32Array;
  aCount: number;
  bCount: number;
}

function plan(ctx: OpContext): Plan {
  const [sa, sb] = ctx.inputShapes;
  if (!sa || !sb || sa.length === 0 || sb.length === 0) throw new ModelError(`node "${ctx.node.name}" (MatMul): operands must have rank >= 1`);
  const a = sa.length === 1 ? [1, sa[0]] : [...sa];
  const b = sb.length === 1 ? [sb[0], 1] : [...sb];
  const m = a[a.length - 2];
  const k = a[a.length - 1];
  const kb = b[b.length - 2];
  const n = b[b.length - 1];
  if (k !== kb) throw new ModelError(`node "${ctx.node.name}" (MatMul): inner dimensions differ: [${sa.join(',')}] × [${sb.join(',')}]`);
  const aBatch = a.slice(0, -2);
  const bBatch = b.slice(0, -2);
  const batch = broadcastShapes(aBatch, bBatch, `node "${ctx.node.name}" (MatMul): `);
  const count = sizeOf(batch);
  const aIndex = new Int32Array(count);
  const bIndex = new Int32Array(count);
  const rank = batch.length;
  const pa = [...new Array<number>(rank - aBatch.length).fill(1), ...aBatch];
  const pb = [...new Array<number>(rank - bBatch.length).fill(1), ...bBatch];
  for (let i = 0; i < count; i++) {
    let rem = i;
    let ia = 0;
    let ib = 0;
    for (let d = 0; d < rank; d++) {
      const inner = sizeOf(batch.slice(d + 1));
      const q = Math.floor(rem / inner);
      rem -= q * inner;
      ia = ia * pa[d] + (pa[d] === 1 ? 0 : q);
      ib = ib * pb[d] + (pb[d] === 1 ? 0 : q);
    }
    aIndex[i] = ia;
    bIndex[i] = ib;
  }
  const outShape = [...batch];
  if (sa.length > 1) outShape.push(m);
  if (sb.length > 1) outShape.push(n);
  return { m, k, n, outShape, aIndex, bIndex, aCount: sizeOf(aBatch), bCount: sizeOf(bBatch) };
}

export const matmulOp: OpDef = {
  type: 'MatMul',
  kind: 'linear',
  kindAt: (ctx) => (!ctx.constants[0] && !ctx.constants[1] ? 'nonlinear' : 'linear'),
  inferShapes: (ctx) => [plan(ctx).outShape],
  forward(ctx, inputs) {
    const p = plan(ctx);
    const [a, b] = inputs as Tensor[];
    const y = new Float32Array(p.aIndex.length * p.m * p.n);
    for (let i = 0; i < p.aIndex.length; i++) {
      gemm({
        m: p.m, n: p.n, k: p.k,
        a: a.data as Float32Array, aOffset: p.aIndex[i] * p.m * p.k,
        b: b.data as Float32Array, bOffset: p.bIndex[i] * p.k * p.n,
        c: y, cOffset: i * p.m * p.n,
      });
    }
    return [floatTensor(p.outShape, y)];
  },
  reverse(ctx, [gy]) {
    if (!gy) return [undefined, undefined];
    const p = plan(ctx);
    const S = ctx.batch;
    const mn = p.m * p.n;
    const outCount = p.aIndex.length;
    let ga: Float32Array | undefined;
    let gb: Float32Array | undefined;
    if (!ctx.constants[0]) {
      const b = factorAtReference(ctx, 1);
      const aSize = p.aCount * p.m * p.k;
      ga = new Float32Array(S * aSize);
      if (p.bCount === 1 && p.aCount === outCount) {
        // The common case (x @ W): every row of every seed times Wᵀ in one product.
        gemm({ m: S * outCount * p.m, n: p.k, k: p.n, a: gy, b, transB: true, c: ga });
      } else {
        for (let s = 0; s < S; s++) {
          for (let i = 0; i < outCount; i++) {
            gemm({
              m: p.m, n: p.k, k: p.n,
              a: gy, aOffset: s * outCount * mn + i * mn,
              b, bOffset: p.bIndex[i] * p.k * p.n, transB: true,
              c: ga, cOffset: s * aSize + p.aIndex[i] * p.m * p.k, accumulate: true,
            });
          }
        }
      }
    }
    if (!ctx.constants[1]) {
      const a = factorAtReference(ctx, 0);
      const bSize = p.bCount * p.k * p.n;
      gb = new Float32Array(S * bSize);
      for (let s = 0; s < S; s++) {
        for (let i = 0; i < outCount; i++) {
          gemm({
            m: p.k, n: p.n, k: p.m,
            a, aOffset: p.aIndex[i] * p.m * p.k, transA: true,
            b: gy, bOffset: s * outCount * mn + i * mn,
            c: gb, cOffset: s * bSize + p.bIndex[i] * p.k * p.n, accumulate: true,
          });
        }
      }
    }
    return [ga, gb];
  },
};
