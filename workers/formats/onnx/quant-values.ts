import { ModelError } from '../../engine/graph';
import type { Tensor } from '../../engine/tensor';
import { DT, onnxTypeName } from './tensor-proto';

/** The integers a quantised element type holds (ONNX Operators.md#QuantizeLinear). */
export interface QuantRange {
  readonly name: string;
  readonly min: number;
  readonly max: number;
}

const RANGES: Readonly<Record<number, QuantRange>> = {
  [DT.UINT8]: { name: 'uint8', min: 0, max: 255 },
  [DT.INT8]: { name: 'int8', min: -128, max: 127 },
  [DT.UINT16]: { name: 'uint16', min: 0, max: 65535 },
  [DT.INT16]: { name: 'int16', min: -32768, max: 32767 },
  [DT.INT32]: { name: 'int32', min: -(2 ** 31), max: 2 ** 31 - 1 },
};

export function quantRange(elementType: number, where: string): QuantRange {
  const range = RANGES[elementType];
  if (!range) throw new ModelError(`${where}: quantised type ${onnxTypeName(elementType)} is not supported (uint8, int8, uint16, int16, int32 are)`);
  return range;
}

/**
 * Where per-axis parameters apply: `scale` (and `zeroPoint`) hold one value, or one per
 * index of `axis` of `shape`. Returns the axis' length and the stride of its elements.
 */
function perAxis(shape: readonly number[], scale: Tensor, zeroPoint: Tensor | undefined, axis: number, where: string): { count: number; inner: number } {
  const n = scale.data.length;
  if (zeroPoint && zeroPoint.data.length !== n) throw new ModelError(`${where}: ${n} scales but ${zeroPoint.data.length} zero points`);
  if (n === 1) return { count: 1, inner: 1 };
  const a = axis < 0 ? axis + shape.length : axis;
  if (scale.shape.length !== 1 || a < 0 || a >= shape.length || shape[a] !== n) {
    throw new ModelError(`${where}: ${n} scales do not match axis ${axis} of a tensor of shape [${shape.join(', ')}]`);
  }
  let inner = 1;
  for (let i = a + 1; i < shape.length; i++) inner *= shape[i];
  return { count: n, inner };
}

/** scale · (q − zero_point), per tensor or per index of `axis`, as float32. */
export function dequantize(q: Tensor, scale: Tensor, zeroPoint: Tensor | undefined, axis: number, where: string): Tensor {
  const { count, inner } = perAxis(q.shape, scale, zeroPoint, axis, where);
  const out = new Float32Array(q.data.length);
  for (let i = 0; i < out.length; i++) {
    const c = count === 1 ? 0 : Math.floor(i / inner) % count;
    out[i] = (q.data[i] - (zeroPoint ? zeroPoint.data[c] : 0)) * scale.data[c];
  }
  return { dtype: 'float32', shape: [...q.shape], data: out };
}

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d !== 0.5) return d < 0.5 ? f : f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** saturate(round(x / scale) + zero_point), ties to even, as integers. */
export function quantize(x: Tensor, scale: Tensor, zeroPoint: Tensor | undefined, axis: number, range: QuantRange, where: string): Tensor {
  const { count, inner } = perAxis(x.shape, scale, zeroPoint, axis, where);
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    const c = count === 1 ? 0 : Math.floor(i / inner) % count;
    const q = roundHalfEven(x.data[i] / scale.data[c]) + (zeroPoint ? zeroPoint.data[c] : 0);
    out[i] = Math.min(range.max, Math.max(range.min, q));
  }
  return { dtype: 'int64', shape: [...x.shape], data: out };
}
