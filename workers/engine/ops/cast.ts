import { attrNumber } from '../graph';
import type { OpContext, OpDef } from '../op';
import type { DType, Tensor } from '../tensor';
import { allocData, inputShape, makeTensor, opError } from './op-args';

/**
 * Cast (ONNX Operators.md#Cast) to the engine's dtypes: every float type becomes float32
 * (rounded to float16, cut to bfloat16 precision when that is the target), every integer type
 * int64 (truncated toward zero and wrapped to the target's width), bool 0/1. Between
 * float types it is the identity for the reversal, like a reshape; a cast to integers
 * is piecewise constant, so its gradient is zero.
 */
const FLOAT = 1, UINT8 = 2, INT8 = 3, UINT16 = 4, INT16 = 5, INT32 = 6, INT64 = 7, BOOL = 9, FLOAT16 = 10, DOUBLE = 11, UINT32 = 12, UINT64 = 13, BFLOAT16 = 16;

/** Integer targets narrower than 53 bits: [bits, signed]. */
const INTEGER_WIDTH: Readonly<Record<number, readonly [number, boolean]>> = {
  [UINT8]: [8, false], [INT8]: [8, true], [UINT16]: [16, false], [INT16]: [16, true], [INT32]: [32, true], [UINT32]: [32, false],
};

function target(ctx: OpContext): number {
  const to = attrNumber(ctx.node, 'to', Number.NaN);
  if (![FLOAT, UINT8, INT8, UINT16, INT16, INT32, INT64, BOOL, FLOAT16, DOUBLE, UINT32, UINT64, BFLOAT16].includes(to)) {
    throw opError(ctx, Number.isNaN(to) ? 'the to attribute is missing' : `casting to ONNX type ${to} is not supported (strings, complex and 8-bit floats have no engine dtype)`);
  }
  return to;
}

function dtypeOf(to: number): DType {
  if (to === FLOAT || to === DOUBLE || to === FLOAT16 || to === BFLOAT16) return 'float32';
  return to === BOOL ? 'bool' : 'int64';
}

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d !== 0.5) return d < 0.5 ? f : f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** The nearest float16 (IEEE binary16, ties to even), as a number. */
function roundToFloat16(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const ax = Math.abs(x);
  if (ax >= 65520) return x > 0 ? Infinity : -Infinity;
  let e = Math.floor(Math.log2(ax));
  if (2 ** e > ax) e--;
  else if (2 ** (e + 1) <= ax) e++;
  const quantum = 2 ** (Math.max(e, -14) - 10);
  return Math.sign(x) * roundHalfEven(ax / quantum) * quantum;
}

const bits = new DataView(new ArrayBuffer(4));

/**
 * A float32 cut to bfloat16 (its top 16 bits), as a number. Truncation, not rounding: the
 * ONNX backend conformance data (test_cast_FLOAT_to_BFLOAT16) expects it.
 */
function toBfloat16(x: number): number {
  if (Number.isNaN(x)) return x;
  bits.setFloat32(0, x);
  bits.setUint32(0, bits.getUint32(0) & 0xffff0000);
  return bits.getFloat32(0);
}

function convert(x: Tensor, to: number): Tensor {
  const dtype = dtypeOf(to);
  const n = x.data.length;
  const y = allocData(dtype, n);
  const src = x.data;
  const fromFloat = x.dtype === 'float32';
  if (to === FLOAT16) for (let i = 0; i < n; i++) y[i] = roundToFloat16(src[i]);
  else if (to === BFLOAT16) for (let i = 0; i < n; i++) y[i] = toBfloat16(src[i]);
  else if (dtype === 'float32') y.set(src);
  else if (to === BOOL) for (let i = 0; i < n; i++) y[i] = src[i] !== 0 ? 1 : 0;
  else {
    const width = INTEGER_WIDTH[to];
    for (let i = 0; i < n; i++) {
      let v = fromFloat ? Math.trunc(src[i]) : src[i];
      if (!Number.isFinite(v)) v = 0;
      if (width) {
        const span = 2 ** width[0];
        v = ((v % span) + span) % span;
        if (width[1] && v >= span / 2) v -= span;
      }
      y[i] = v;
    }
  }
  return makeTensor(dtype, x.shape, y);
}

export const castOp: OpDef = {
  type: 'Cast',
  kind: 'reshape',
  kindAt: (ctx) => (dtypeOf(target(ctx)) === 'float32' ? 'reshape' : 'nonlinear'),
  inferShapes: (ctx) => [[...inputShape(ctx, 0)]],
  forward: (ctx, inputs) => [convert(inputs[0] as Tensor, target(ctx))],
  reverse: (ctx, [g]) => [g && dtypeOf(target(ctx)) === 'float32' ? g : undefined],
};
