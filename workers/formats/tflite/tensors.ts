import { claimBytes } from '../../engine/budget';
import { MAX_TENSOR_VALUES } from '../../engine/prepare';
import { floatTensor, intTensor, sizeOf, type Tensor } from '../../engine/tensor';
import { halfToFloat32 } from '../onnx/half';
import { TensorType, TENSOR_TYPES, typeName, type Quantization, type TflTensor } from './schema';

/** Reads one little-endian element of a TFLite type as a number (integers exactly below 2^53). */
function elementReader(view: DataView, type: number): ((i: number) => number) | undefined {
  switch (type) {
    case TensorType.FLOAT32:
      return (i) => view.getFloat32(4 * i, true);
    case TensorType.INT32:
      return (i) => view.getInt32(4 * i, true);
    case TensorType.UINT8:
      return (i) => view.getUint8(i);
    case TensorType.INT8:
      return (i) => view.getInt8(i);
    case TensorType.INT16:
      return (i) => view.getInt16(2 * i, true);
    case TensorType.INT64:
      return (i) => Number(view.getBigInt64(8 * i, true));
    default:
      return undefined;
  }
}

/** The dims of a tensor the file declares, checked (non-negative, a bounded number of values). */
export function checkedShape(t: TflTensor, fail: (problem: string) => never): number[] {
  if (t.shape.some((d) => !Number.isInteger(d) || d < 0)) fail(`tensor "${t.name}" declares shape [${t.shape.join(', ')}]`);
  if (sizeOf(t.shape) > MAX_TENSOR_VALUES) fail(`tensor "${t.name}" declares shape [${t.shape.join(', ')}], more values than Neurovis holds`);
  return [...t.shape];
}

/**
 * The value of a constant tensor: float types as float32; quantised integers dequantised to
 * real values scale·(q − zero_point), per tensor or per channel along `quantized_dimension`;
 * other integers (shapes, paddings, axes) as integers.
 */
export function constantValue(t: TflTensor, bytes: Uint8Array, fail: (problem: string) => never): Tensor {
  const shape = checkedShape(t, fail);
  const count = sizeOf(shape);
  const size = TENSOR_TYPES[t.type]?.[1] ?? 0;
  const kind = `${typeName(t.type)} tensor "${t.name}" [${shape.join(', ')}]`;
  if (t.sparse) fail(`${kind} is stored sparse, which Neurovis does not read`);
  if (size === 0) fail(`${kind}: constants of this type are not supported`);
  if (bytes.length !== count * size) fail(`${kind} needs ${count * size} bytes; its buffer holds ${bytes.length}`);
  // Buffers may be shared by many tensors: each decoded copy counts.
  const over = claimBytes(kind, count, t.quantization || t.type === TensorType.FLOAT32 || t.type === TensorType.FLOAT16 ? 4 : 8);
  if (over) fail(over);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (t.type === TensorType.FLOAT16) return floatTensor(shape, halfToFloat32(count, (i) => view.getUint16(2 * i, true)));
  const read = elementReader(view, t.type) ?? fail(`${kind}: constants of this type are not supported`);
  if (t.type === TensorType.FLOAT32) return floatTensor(shape, Float32Array.from({ length: count }, (_, i) => read(i)));
  if (t.quantization) return floatTensor(shape, dequantize(read, shape, t.quantization, kind, fail));
  if (t.type === TensorType.UINT8 || t.type === TensorType.INT8 || t.type === TensorType.INT16) fail(`${kind} has no quantisation parameters`);
  return intTensor(shape, Array.from({ length: count }, (_, i) => read(i)));
}

function dequantize(read: (i: number) => number, shape: readonly number[], q: Quantization, kind: string, fail: (problem: string) => never): Float32Array {
  const count = sizeOf(shape);
  const out = new Float32Array(count);
  const channels = q.scale.length;
  if (q.zeroPoint.length !== 1 && q.zeroPoint.length !== channels) fail(`${kind} has ${channels} scales and ${q.zeroPoint.length} zero points`);
  const zero = (c: number): number => q.zeroPoint[q.zeroPoint.length === 1 ? 0 : c];
  if (channels === 1) {
    const s = q.scale[0];
    const z = zero(0);
    for (let i = 0; i < count; i++) out[i] = s * (read(i) - z);
    return out;
  }
  // Converters copy the filter's quantized_dimension onto its rank-1 bias (person_detect.tflite): the runtime reads a bias per channel.
  const axis = shape.length === 1 && shape[0] === channels ? 0 : q.axis;
  if (axis < 0 || axis >= shape.length || shape[axis] !== channels) {
    fail(`${kind} has ${channels} scales along dimension ${q.axis}, which does not match its shape`);
  }
  const inner = sizeOf(shape.slice(axis + 1));
  for (let i = 0; i < count; i++) {
    const c = Math.floor(i / inner) % channels;
    out[i] = q.scale[c] * (read(i) - zero(c));
  }
  return out;
}

/** The real-value range a quantised input covers (q over the whole integer range of its type). */
export function quantizedRange(t: TflTensor): [number, number] | undefined {
  const q = t.quantization;
  if (!q || q.scale.length !== 1) return undefined;
  const bounds: Record<number, [number, number]> = { [TensorType.UINT8]: [0, 255], [TensorType.INT8]: [-128, 127], [TensorType.INT16]: [-32768, 32767] };
  const b = bounds[t.type];
  if (!b) return undefined;
  const z = q.zeroPoint[0];
  return [q.scale[0] * (b[0] - z), q.scale[0] * (b[1] - z)];
}
