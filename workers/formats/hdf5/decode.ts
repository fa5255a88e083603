import { decodeString, Hdf5Error } from './bytes';
import type { FileContext } from './context';
import type { GlobalHeap } from './heaps';
import { describeDatatype, type Datatype } from './messages';

const littleEndianPlatform = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x03ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/**
 * Numbers of `count` elements of a numeric type as float32. Little-endian float32 data
 * whose position is 4-aligned is returned as a view of the same bytes (no copy).
 */
export function toFloat32(type: Datatype, raw: Uint8Array, count: number): Float32Array {
  if (type.kind !== 'int' && type.kind !== 'float') throw new Hdf5Error(`expected numbers, found ${describeDatatype(type)}`);
  const size = type.size;
  if (raw.length < count * size) throw new Hdf5Error(`data holds ${raw.length} bytes, ${count * size} expected`);
  if (type.kind === 'float' && size === 4 && !type.bigEndian && littleEndianPlatform) {
    if ((raw.byteOffset & 3) === 0) return new Float32Array(raw.buffer, raw.byteOffset, count);
    return new Float32Array(raw.slice(0, count * 4).buffer);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float32Array(count);
  const le = !type.bigEndian;
  if (type.kind === 'float') {
    if (size === 4) for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, le);
    else if (size === 8) for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, le);
    else if (type.bfloat16) {
      const bits = new DataView(new ArrayBuffer(4));
      for (let i = 0; i < count; i++) {
        bits.setUint32(0, view.getUint16(2 * i, le) << 16);
        out[i] = bits.getFloat32(0);
      }
    } else for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(2 * i, le));
    return out;
  }
  for (let i = 0; i < count; i++) out[i] = readInt(view, i * size, size, type.signed, le);
  return out;
}

function readInt(view: DataView, at: number, size: number, signed: boolean, le: boolean): number {
  switch (size) {
    case 1:
      return signed ? view.getInt8(at) : view.getUint8(at);
    case 2:
      return signed ? view.getInt16(at, le) : view.getUint16(at, le);
    case 4:
      return signed ? view.getInt32(at, le) : view.getUint32(at, le);
    default:
      return Number(signed ? view.getBigInt64(at, le) : view.getBigUint64(at, le));
  }
}

/** Numbers of a small array (attributes) as plain numbers, ints exactly. */
export function toNumbers(type: Datatype, raw: Uint8Array, count: number): number[] {
  if (type.kind === 'float') return Array.from(toFloat32(type, raw, count));
  if (type.kind !== 'int') throw new Hdf5Error(`expected numbers, found ${describeDatatype(type)}`);
  if (raw.length < count * type.size) throw new Hdf5Error(`data holds ${raw.length} bytes, ${count * type.size} expected`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(readInt(view, i * type.size, type.size, type.signed, !type.bigEndian));
  return out;
}

/** Strings of fixed-length or variable-length string elements. */
export function toStrings(ctx: FileContext, heap: GlobalHeap, type: Datatype, raw: Uint8Array, count: number): string[] {
  const out: string[] = [];
  if (type.kind === 'string') {
    if (raw.length < count * type.size) throw new Hdf5Error(`string data holds ${raw.length} bytes, ${count * type.size} expected`);
    for (let i = 0; i < count; i++) {
      const s = decodeString(raw.subarray(i * type.size, (i + 1) * type.size));
      out.push(type.spacePadded ? s.replace(/ +$/, '') : s);
    }
    return out;
  }
  if (type.kind === 'vlen-string') {
    const elementSize = 4 + ctx.offsetSize + 4;
    if (raw.length < count * elementSize) throw new Hdf5Error('variable-length string data is truncated');
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < count; i++) {
      const at = i * elementSize;
      const length = view.getUint32(at, true);
      if (length === 0) {
        out.push('');
        continue;
      }
      let collection = 0;
      let scale = 1;
      for (let k = 0; k < ctx.offsetSize; k++) {
        collection += raw[at + 4 + k] * scale;
        scale *= 256;
      }
      const index = view.getUint32(at + 4 + ctx.offsetSize, true);
      const bytes = heap.object(collection, index);
      if (length > bytes.length) throw new Hdf5Error(`variable-length string of ${length} bytes is stored in ${bytes.length}`);
      out.push(decodeString(bytes.subarray(0, length)));
    }
    return out;
  }
  throw new Hdf5Error(`expected strings, found ${describeDatatype(type)}`);
}
