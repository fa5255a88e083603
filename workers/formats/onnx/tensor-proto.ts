import { spendBytes } from '../../engine/budget';
import { ModelError } from '../../engine/graph';
import type { DType, Tensor } from '../../engine/tensor';
import type { InputFile } from '../types';
import { bfloat16ToFloat32, halfToFloat32 } from './half';
import { WIRE_FIXED32, WIRE_FIXED64, WIRE_VARINT, WireReader, type Span } from './wire';

/** TensorProto.DataType (onnx.proto). */
export const DT = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
} as const;

const TYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(DT).map(([k, v]) => [v, k.toLowerCase()]));

/** Bytes per element in raw_data, for the types the engine holds. */
const ELEMENT_BYTES: Record<number, number> = { 1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 16: 2 };

/** Largest value count a tensor header may declare (typed arrays stop here anyway). */
const MAX_VALUES = 2 ** 31 - 1;

export function onnxTypeName(dataType: number): string {
  return TYPE_NAMES[dataType] ?? `type ${dataType}`;
}

/** The engine's dtype for an ONNX element type: floats as float32, integers as int64. */
export function engineDType(dataType: number): DType {
  switch (dataType) {
    case DT.FLOAT:
    case DT.FLOAT16:
    case DT.DOUBLE:
    case DT.BFLOAT16:
    case DT.COMPLEX64:
    case DT.COMPLEX128:
    case 0:
      return 'float32';
    case DT.BOOL:
      return 'bool';
    case DT.STRING:
      return 'string';
    default:
      return 'int64';
  }
}

const elementTypes = new WeakMap<Tensor, number>();

/** The ONNX element type a decoded tensor had in the file (int8 and uint8 both become int64 in the engine). */
export function onnxElementType(t: Tensor): number | undefined {
  return elementTypes.get(t);
}

/** A TensorProto's fields as spans of the file: nothing is decoded until the header is checked. */
export interface TensorRecord {
  readonly name: string;
  readonly dims: readonly number[];
  readonly dataType: number;
  readonly raw?: Span;
  /** Runs of the typed value fields (float_data, int32_data, …), by field number. */
  readonly typed: ReadonlyMap<number, readonly Span[]>;
  readonly external: ReadonlyMap<string, string>;
  readonly dataLocation: number;
  readonly segmented: boolean;
}

const FIELD_FLOAT = 4;
const FIELD_INT32 = 5;
const FIELD_INT64 = 7;
const FIELD_DOUBLE = 10;
const FIELD_UINT64 = 11;

export function readTensorRecord(r: WireReader): TensorRecord {
  let name = '';
  const dims: number[] = [];
  let dataType = 0;
  let raw: Span | undefined;
  const typed = new Map<number, Span[]>();
  const external = new Map<string, string>();
  let dataLocation = 0;
  let segmented = false;
  const addRun = (field: number, span: Span): void => {
    const runs = typed.get(field);
    if (runs) runs.push(span);
    else typed.set(field, [span]);
  };
  while (!r.done()) {
    const key = r.tag();
    const wire = key & 7;
    switch (key >>> 3) {
      case 1:
        r.int64s(wire, dims);
        break;
      case 2:
        dataType = r.int64();
        break;
      case 3:
        segmented = true;
        r.skip(wire);
        break;
      case FIELD_FLOAT:
        addRun(FIELD_FLOAT, r.scalarRun(wire, WIRE_FIXED32));
        break;
      case FIELD_INT32:
        addRun(FIELD_INT32, r.scalarRun(wire, WIRE_VARINT));
        break;
      case FIELD_INT64:
        addRun(FIELD_INT64, r.scalarRun(wire, WIRE_VARINT));
        break;
      case FIELD_DOUBLE:
        addRun(FIELD_DOUBLE, r.scalarRun(wire, WIRE_FIXED64));
        break;
      case FIELD_UINT64:
        addRun(FIELD_UINT64, r.scalarRun(wire, WIRE_VARINT));
        break;
      case 8:
        name = r.string();
        break;
      case 9:
        raw = r.span();
        break;
      case 13: {
        const entry = r.message();
        let k = '';
        let v = '';
        while (!entry.done()) {
          const ek = entry.tag();
          if (ek === 0x0a) k = entry.string();
          else if (ek === 0x12) v = entry.string();
          else entry.skip(ek & 7);
        }
        external.set(k, v);
        break;
      }
      case 14:
        dataLocation = r.int64();
        break;
      default:
        r.skip(wire);
    }
  }
  return { name, dims, dataType, raw, typed, external, dataLocation, segmented };
}

/** Where a tensor's bytes may come from: the file it is declared in and, for external data, the files beside it. */
export interface TensorSource {
  readonly fileName: string;
  readonly bytes: Uint8Array;
  readonly files: readonly InputFile[];
}

/** Checks the header and decodes the values: a view of the file's bytes where the layout allows, else one copy. */
export function tensorFromRecord(rec: TensorRecord, src: TensorSource): Tensor {
  const label = `${src.fileName}: tensor "${rec.name}"`;
  const count = valueCount(rec.dims, label);
  const type = rec.dataType;
  if (type === DT.STRING) throw new ModelError(`${label} holds strings, which Neurovis does not use`);
  if (rec.segmented) throw new ModelError(`${label} is stored in segments, which Neurovis does not read`);
  const elementBytes = ELEMENT_BYTES[type];
  if (elementBytes === undefined) throw new ModelError(`${label} has element type ${onnxTypeName(type)}, which Neurovis does not read`);
  const dtype = engineDType(type);
  const shape = [...rec.dims];
  const finish = (data: Float32Array | Float64Array): Tensor => {
    const t: Tensor = { dtype, shape, data };
    elementTypes.set(t, type);
    return t;
  };

  // Counted before decoding: int8 raw_data or packed varints decode to 8 bytes a value.
  const spend = (raw?: { bytes: Uint8Array; start: number }): void => {
    if (raw && type === DT.FLOAT && (raw.bytes.byteOffset + raw.start) % 4 === 0) return; // a view of the file
    spendBytes(src.fileName, `tensor "${rec.name}" [${shape.join(', ')}] of ${onnxTypeName(type)}`, count, dtype === 'float32' ? 4 : 8);
  };
  if (rec.dataLocation === 1) {
    const { bytes, span } = externalSpan(rec, src, count * elementBytes, label);
    spend({ bytes, start: span.start });
    return finish(decodeRaw(bytes, span, type, count));
  }
  if (rec.raw && (rec.raw.end > rec.raw.start || rec.typed.size === 0)) {
    const length = rec.raw.end - rec.raw.start;
    if (length !== count * elementBytes) {
      throw new ModelError(`${label}: shape [${shape.join(', ')}] of ${onnxTypeName(type)} needs ${count * elementBytes} bytes, raw_data holds ${length}`);
    }
    spend({ bytes: src.bytes, start: rec.raw.start });
    return finish(decodeRaw(src.bytes, rec.raw, type, count));
  }
  const fields = [...rec.typed.keys()];
  if (fields.length === 0) {
    if (count === 0) return finish(dtype === 'float32' ? new Float32Array(0) : new Float64Array(0));
    throw new ModelError(`${label}: shape [${shape.join(', ')}] declares ${count} values but the tensor holds no data`);
  }
  const field = expectedField(type);
  if (fields.length > 1 || fields[0] !== field) {
    throw new ModelError(`${label}: ${onnxTypeName(type)} values stored in the wrong field (${fields.join(', ')})`);
  }
  const runs = rec.typed.get(field)!;
  const held = countValues(src.bytes, runs, field, label);
  if (held !== count) throw new ModelError(`${label}: shape [${shape.join(', ')}] declares ${count} values, the tensor holds ${held}`);
  spend();
  return finish(decodeTyped(src, runs, type, count));
}

function valueCount(dims: readonly number[], label: string): number {
  let count = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw new ModelError(`${label}: dimension ${d} is not a valid size`);
    count *= d;
  }
  if (count > MAX_VALUES || dims.some((d) => d > MAX_VALUES)) {
    throw new ModelError(`${label}: shape [${dims.join(', ')}] declares ${count} values, more than any model holds`);
  }
  return count;
}

function expectedField(type: number): number {
  switch (type) {
    case DT.FLOAT:
      return FIELD_FLOAT;
    case DT.INT64:
      return FIELD_INT64;
    case DT.DOUBLE:
      return FIELD_DOUBLE;
    case DT.UINT32:
    case DT.UINT64:
      return FIELD_UINT64;
    default:
      return FIELD_INT32;
  }
}

function countValues(bytes: Uint8Array, runs: readonly Span[], field: number, label: string): number {
  const width = field === FIELD_FLOAT ? 4 : field === FIELD_DOUBLE ? 8 : 0;
  let n = 0;
  for (const { start, end } of runs) {
    if (width > 0) {
      if ((end - start) % width !== 0) throw new ModelError(`${label}: a packed run of ${end - start} bytes is not a whole number of values`);
      n += (end - start) / width;
    } else {
      if (end > start && bytes[end - 1] >= 0x80) throw new ModelError(`${label}: a packed run ends inside a varint`);
      for (let i = start; i < end; i++) if (bytes[i] < 0x80) n++;
    }
  }
  return n;
}

function decodeTyped(src: TensorSource, runs: readonly Span[], type: number, count: number): Float32Array | Float64Array {
  const view = new DataView(src.bytes.buffer, src.bytes.byteOffset, src.bytes.byteLength);
  if (type === DT.FLOAT) {
    const out = new Float32Array(count);
    let k = 0;
    for (const { start, end } of runs) for (let p = start; p < end; p += 4) out[k++] = view.getFloat32(p, true);
    return out;
  }
  if (type === DT.DOUBLE) {
    const out = new Float32Array(count);
    let k = 0;
    for (const { start, end } of runs) for (let p = start; p < end; p += 8) out[k++] = view.getFloat64(p, true);
    return out;
  }
  const values = new Float64Array(count);
  let k = 0;
  const unsigned = type === DT.UINT32 || type === DT.UINT64;
  for (const { start, end } of runs) {
    const r = new WireReader(src.bytes, start, end, src.fileName);
    while (!r.done()) values[k++] = unsigned ? r.uint64() : r.int64();
  }
  if (type === DT.FLOAT16) return halfToFloat32(count, (i) => values[i]);
  if (type === DT.BFLOAT16) return bfloat16ToFloat32(count, (i) => values[i]);
  if (type === DT.BOOL) for (let i = 0; i < count; i++) values[i] = values[i] !== 0 ? 1 : 0;
  return values;
}

/** Little-endian raw bytes to the engine's arrays; float32 becomes a view when 4-byte aligned. */
export function decodeRaw(bytes: Uint8Array, span: Span, type: number, count: number): Float32Array | Float64Array {
  const offset = bytes.byteOffset + span.start;
  const view = new DataView(bytes.buffer, offset, span.end - span.start);
  switch (type) {
    case DT.FLOAT: {
      if (offset % 4 === 0) return new Float32Array(bytes.buffer, offset, count);
      const out = new Float32Array(count);
      new Uint8Array(out.buffer).set(bytes.subarray(span.start, span.end));
      return out;
    }
    case DT.DOUBLE: {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
      return out;
    }
    case DT.FLOAT16:
      return halfToFloat32(count, (i) => view.getUint16(i * 2, true));
    case DT.BFLOAT16:
      return bfloat16ToFloat32(count, (i) => view.getUint16(i * 2, true));
  }
  const out = new Float64Array(count);
  switch (type) {
    case DT.UINT8:
      for (let i = 0; i < count; i++) out[i] = view.getUint8(i);
      break;
    case DT.INT8:
      for (let i = 0; i < count; i++) out[i] = view.getInt8(i);
      break;
    case DT.BOOL:
      for (let i = 0; i < count; i++) out[i] = view.getUint8(i) !== 0 ? 1 : 0;
      break;
    case DT.UINT16:
      for (let i = 0; i < count; i++) out[i] = view.getUint16(i * 2, true);
      break;
    case DT.INT16:
      for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, true);
      break;
    case DT.INT32:
      for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true);
      break;
    case DT.UINT32:
      for (let i = 0; i < count; i++) out[i] = view.getUint32(i * 4, true);
      break;
    case DT.INT64:
      for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 8 + 4, true) * 4294967296 + view.getUint32(i * 8, true);
      break;
    case DT.UINT64:
      for (let i = 0; i < count; i++) out[i] = view.getUint32(i * 8 + 4, true) * 4294967296 + view.getUint32(i * 8, true);
      break;
    default:
      throw new Error(`no raw decoder for ONNX type ${type}`);
  }
  return out;
}

/** The bytes of an external tensor (data_location = EXTERNAL): location, offset and length in a file given with the model. */
function externalSpan(rec: TensorRecord, src: TensorSource, needed: number, label: string): { bytes: Uint8Array; span: Span } {
  const location = rec.external.get('location');
  if (!location) throw new ModelError(`${label} is stored externally but names no location`);
  const base = baseName(location);
  const file = src.files.find((f) => baseName(f.name) === base);
  if (!file) throw new ModelError(`${label} is stored in the external file "${location}", which was not given with the model; open it together with ${src.fileName}`);
  const offset = integerEntry(rec, 'offset', 0, label);
  const length = integerEntry(rec, 'length', needed, label);
  if (length !== needed) throw new ModelError(`${label}: external data length ${length} does not match its shape (${needed} bytes)`);
  if (offset + length > file.bytes.length) {
    throw new ModelError(`${label}: external data at offset ${offset}, ${length} bytes, lies beyond the end of "${file.name}" (${file.bytes.length} bytes)`);
  }
  return { bytes: file.bytes, span: { start: offset, end: offset + length } };
}

function integerEntry(rec: TensorRecord, key: string, fallback: number, label: string): number {
  const text = rec.external.get(key);
  if (text === undefined || text === '') return fallback;
  if (!/^\d+$/.test(text.trim())) throw new ModelError(`${label}: external data ${key} "${text}" is not a non-negative integer`);
  const value = Number(text.trim());
  if (!Number.isSafeInteger(value)) throw new ModelError(`${label}: external data ${key} ${text} is too large`);
  return value;
}

export function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1];
}

/** Decodes a serialized TensorProto (the conformance suite's input_*.pb / output_*.pb files). */
export function decodeTensorFile(bytes: Uint8Array, fileName = 'tensor.pb'): { name: string; dataType: number; tensor: Tensor } {
  const rec = readTensorRecord(WireReader.whole(bytes, fileName));
  return { name: rec.name, dataType: rec.dataType, tensor: tensorFromRecord(rec, { fileName, bytes, files: [] }) };
}

export function decodeTensorProto(bytes: Uint8Array, fileName = 'tensor.pb'): Tensor {
  return decodeTensorFile(bytes, fileName).tensor;
}
