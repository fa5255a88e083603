import { spendBytes } from '../../engine/budget';
import { ModelError } from '../../engine/graph';
import { sizeOf, type Tensor } from '../../engine/tensor';

/**
 * The NumPy .npy format (numpy/lib/format.py, versions 1–3): a magic string, a header
 * dict in Python literal syntax, then the raw array.
 */
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export function isNpy(bytes: Uint8Array): boolean {
  return bytes.length >= 10 && MAGIC.every((b, i) => bytes[i] === b);
}

interface Header {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  dataOffset: number;
}

/** Values readable from an .npy, by dtype code without byte order. */
const ELEMENT_SIZE: Record<string, number> = { f2: 2, f4: 4, f8: 8, i1: 1, i2: 2, i4: 4, i8: 8, u1: 1, u2: 2, u4: 4, u8: 8, b1: 1 };

function parseHeader(bytes: Uint8Array, where: string): Header {
  if (!isNpy(bytes)) throw new ModelError(`${where}: not a NumPy .npy file (no \\x93NUMPY magic)`);
  const major = bytes[6];
  let headerLength: number;
  let start: number;
  if (major === 1) {
    headerLength = bytes[8] | (bytes[9] << 8);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new ModelError(`${where}: truncated .npy header`);
    headerLength = (bytes[8] | (bytes[9] << 8) | (bytes[10] << 16)) + bytes[11] * 2 ** 24;
    start = 12;
  } else {
    throw new ModelError(`${where}: unsupported .npy version ${major}`);
  }
  if (start + headerLength > bytes.length) throw new ModelError(`${where}: truncated .npy header (needs ${headerLength} bytes, ${bytes.length - start} left)`);
  if (headerLength > 1 << 20) throw new ModelError(`${where}: .npy header of ${headerLength} bytes is not plausible`);
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLength));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new ModelError(`${where}: malformed .npy header ${JSON.stringify(text.slice(0, 120))}`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const d = Number(s.replace(/L$/, ''));
      if (!Number.isSafeInteger(d) || d < 0) throw new ModelError(`${where}: bad dimension "${s}" in .npy shape`);
      return d;
    });
  return { descr, fortranOrder: fortran === 'True', shape, dataOffset: start + headerLength };
}

/** Decodes an .npy into a tensor: floating types as float32, integers and booleans as int64 values. */
export function decodeNpy(bytes: Uint8Array, where: string): Tensor {
  const h = parseHeader(bytes, where);
  const order = h.descr[0];
  const code = h.descr.slice(1);
  const elementSize = ELEMENT_SIZE[code];
  if (elementSize === undefined || !'<>|='.includes(order)) throw new ModelError(`${where}: unsupported .npy dtype '${h.descr}'`);
  const count = sizeOf(h.shape);
  const available = bytes.length - h.dataOffset;
  if (count * elementSize > available) {
    throw new ModelError(`${where}: the header declares shape (${h.shape.join(', ')}) = ${count * elementSize} bytes, but the file holds ${available}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + h.dataOffset, count * elementSize);
  const little = order !== '>';
  const isFloat = code[0] === 'f';
  spendBytes(where, `array (${h.shape.join(', ')}) of ${h.descr}`, count, isFloat ? 4 : 8);
  const out = isFloat ? new Float32Array(count) : new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = readElement(view, i * elementSize, code, little);
  const data = h.fortranOrder && h.shape.length > 1 ? fortranToC(out, h.shape) : out;
  return { dtype: isFloat ? 'float32' : code === 'b1' ? 'bool' : 'int64', shape: h.shape, data };
}

function readElement(view: DataView, at: number, code: string, little: boolean): number {
  switch (code) {
    case 'f2':
      return halfToFloat(view.getUint16(at, little));
    case 'f4':
      return view.getFloat32(at, little);
    case 'f8':
      return view.getFloat64(at, little);
    case 'i1':
      return view.getInt8(at);
    case 'i2':
      return view.getInt16(at, little);
    case 'i4':
      return view.getInt32(at, little);
    case 'i8':
      return Number(view.getBigInt64(at, little));
    case 'u1':
    case 'b1':
      return view.getUint8(at);
    case 'u2':
      return view.getUint16(at, little);
    case 'u4':
      return view.getUint32(at, little);
    default:
      return Number(view.getBigUint64(at, little));
  }
}

export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function fortranToC<T extends Float32Array | Float64Array>(data: T, shape: readonly number[]): T {
  const out = new (data.constructor as new (n: number) => T)(data.length);
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  for (let c = 0; c < data.length; c++) {
    let f = 0;
    let stride = 1;
    for (let d = 0; d < rank; d++) {
      f += index[d] * stride;
      stride *= shape[d];
    }
    out[c] = data[f];
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

/** The bytes before the data of a float32, little-endian, C-order .npy (version 1.0) of this shape. */
export function npyHeader(shape: readonly number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = header.length & 0xff;
  out[9] = header.length >> 8;
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  return out;
}

/** Encodes a float32, little-endian, C-order .npy (version 1.0). */
export function encodeNpy(shape: readonly number[], data: Float32Array): Uint8Array {
  if (data.length !== sizeOf(shape)) throw new Error(`encodeNpy: ${data.length} values for shape (${shape.join(', ')})`);
  const header = npyHeader(shape);
  const out = new Uint8Array(header.length + data.length * 4);
  out.set(header, 0);
  const view = new DataView(out.buffer, header.length);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return out;
}
