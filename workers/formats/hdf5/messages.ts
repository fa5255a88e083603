import { Bytes, decodeString, Hdf5Error } from './bytes';
import type { FileContext } from './context';
import { readObjectHeader, SHARED_FLAG, type HeaderMessage } from './object-header';

/** The datatypes a model file holds (HDF5 File Format Specification §IV.A.2.d). */
export type Datatype =
  | { readonly kind: 'int'; readonly size: number; readonly signed: boolean; readonly bigEndian: boolean }
  | { readonly kind: 'float'; readonly size: number; readonly bigEndian: boolean; readonly bfloat16: boolean }
  | { readonly kind: 'string'; readonly size: number; readonly spacePadded: boolean }
  | { readonly kind: 'vlen-string'; readonly size: number }
  | { readonly kind: 'other'; readonly size: number; readonly description: string };

const CLASS_NAMES = ['fixed-point', 'floating-point', 'time', 'string', 'bitfield', 'opaque', 'compound', 'reference', 'enum', 'variable-length', 'array'];

export function parseDatatype(bytes: Bytes, p: number, depth = 0): Datatype {
  if (depth > 8) throw new Hdf5Error('datatype nests too deeply');
  const classAndVersion = bytes.u8(p);
  const cls = classAndVersion & 0x0f;
  const bits = bytes.u8(p + 1) | (bytes.u8(p + 2) << 8) | (bytes.u8(p + 3) << 16);
  const size = bytes.u32(p + 4);
  switch (cls) {
    case 0:
      if (![1, 2, 4, 8].includes(size)) return { kind: 'other', size, description: `${size * 8}-bit integer` };
      return { kind: 'int', size, signed: (bits & 0x08) !== 0, bigEndian: (bits & 0x01) !== 0 };
    case 1: {
      if (bits & 0x40) return { kind: 'other', size, description: 'VAX float' };
      const exponentSize = bytes.u8(p + 8 + 5);
      const mantissaSize = bytes.u8(p + 8 + 7);
      const bigEndian = (bits & 0x01) !== 0;
      if (size === 2 && exponentSize === 5 && mantissaSize === 10) return { kind: 'float', size, bigEndian, bfloat16: false };
      if (size === 2 && exponentSize === 8 && mantissaSize === 7) return { kind: 'float', size, bigEndian, bfloat16: true };
      if ((size === 4 && exponentSize === 8) || (size === 8 && exponentSize === 11)) return { kind: 'float', size, bigEndian, bfloat16: false };
      return { kind: 'other', size, description: `${size * 8}-bit float with ${exponentSize}-bit exponent` };
    }
    case 3:
      return { kind: 'string', size, spacePadded: (bits & 0x0f) === 2 };
    case 8:
      // Enumerations (h5py's booleans) are read as their base integer type.
      return parseDatatype(bytes, p + 8, depth + 1);
    case 9:
      if ((bits & 0x0f) === 1) return { kind: 'vlen-string', size };
      return { kind: 'other', size, description: 'variable-length sequence' };
    default:
      return { kind: 'other', size, description: CLASS_NAMES[cls] ?? `class ${cls}` };
  }
}

export function describeDatatype(t: Datatype): string {
  switch (t.kind) {
    case 'int':
      return `${t.signed ? '' : 'u'}int${t.size * 8}`;
    case 'float':
      return t.bfloat16 ? 'bfloat16' : `float${t.size * 8}`;
    case 'string':
      return `string(${t.size})`;
    case 'vlen-string':
      return 'variable-length string';
    case 'other':
      return t.description;
  }
}

/** Dimensions of a dataspace; null for the null dataspace (no elements at all). */
export function parseDataspace(ctx: FileContext, p: number): number[] | null {
  const bytes = ctx.bytes;
  const version = bytes.u8(p);
  const rank = bytes.u8(p + 1);
  if (rank > 32) throw new Hdf5Error(`dataspace has rank ${rank}`);
  let dimsAt: number;
  if (version === 1) dimsAt = p + 8;
  else if (version === 2) {
    const type = bytes.u8(p + 3);
    if (type === 2) return null;
    dimsAt = p + 4;
  } else throw new Hdf5Error(`dataspace message version ${version} is not supported`);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(ctx.length(dimsAt + i * ctx.lengthSize));
  return dims;
}

export function elementCount(dims: readonly number[] | null): number {
  if (dims === null) return 0;
  let n = 1;
  for (const d of dims) n *= d;
  if (!Number.isSafeInteger(n)) throw new Hdf5Error(`dataspace [${dims.join(', ')}] is too large`);
  return n;
}

export type Layout =
  | { readonly kind: 'compact'; readonly data: Uint8Array }
  | { readonly kind: 'contiguous'; readonly address: number; readonly size: number | undefined }
  | {
      readonly kind: 'chunked';
      /** Chunk shape in elements (without the element-size dimension). */
      readonly chunk: readonly number[];
      readonly index: ChunkIndex;
    };

export type ChunkIndex =
  | { readonly kind: 'btree-v1'; readonly address: number }
  | { readonly kind: 'single'; readonly address: number; readonly filteredSize?: number; readonly filterMask?: number }
  | { readonly kind: 'implicit'; readonly address: number }
  | { readonly kind: 'fixed-array'; readonly address: number }
  | { readonly kind: 'unsupported'; readonly description: string };

function chunkDims(raw: number[]): number[] {
  if (raw.length < 2) throw new Hdf5Error('chunked layout has no dimensions');
  const chunk = raw.slice(0, -1);
  if (chunk.some((d) => d <= 0)) throw new Hdf5Error(`chunk dimensions [${chunk.join(', ')}] are not positive`);
  return chunk;
}

/** Data layout message versions 1–4 (§IV.A.2.i). */
export function parseLayout(ctx: FileContext, msg: HeaderMessage): Layout {
  const bytes = ctx.bytes;
  const p = msg.offset;
  const version = bytes.u8(p);
  if (version === 1 || version === 2) {
    const rank = bytes.u8(p + 1);
    const cls = bytes.u8(p + 2);
    let q = p + 8;
    let address = 0;
    if (cls !== 0) {
      address = ctx.address(q);
      q += ctx.offsetSize;
    }
    const dims: number[] = [];
    for (let i = 0; i < rank; i++) dims.push(bytes.u32(q + 4 * i));
    q += 4 * rank;
    if (cls === 0) {
      const size = bytes.u32(q);
      return { kind: 'compact', data: bytes.bytes(q + 4, size, 'compact data') };
    }
    if (cls === 1) return { kind: 'contiguous', address, size: undefined };
    if (cls === 2) return { kind: 'chunked', chunk: chunkDims(dims), index: { kind: 'btree-v1', address } };
    throw new Hdf5Error(`layout class ${cls} is not supported`);
  }
  if (version !== 3 && version !== 4) throw new Hdf5Error(`layout message version ${version} is not supported`);
  const cls = bytes.u8(p + 1);
  if (cls === 0) {
    const size = bytes.u16(p + 2);
    return { kind: 'compact', data: bytes.bytes(p + 4, size, 'compact data') };
  }
  if (cls === 1) return { kind: 'contiguous', address: ctx.address(p + 2), size: ctx.length(p + 2 + ctx.offsetSize) };
  if (cls === 3) throw new Hdf5Error('virtual datasets are not supported');
  if (cls !== 2) throw new Hdf5Error(`layout class ${cls} is not supported`);
  if (version === 3) {
    const rank = bytes.u8(p + 2);
    const address = ctx.address(p + 3);
    const q = p + 3 + ctx.offsetSize;
    const dims: number[] = [];
    for (let i = 0; i < rank; i++) dims.push(bytes.u32(q + 4 * i));
    return { kind: 'chunked', chunk: chunkDims(dims), index: { kind: 'btree-v1', address } };
  }
  const flags = bytes.u8(p + 2);
  const rank = bytes.u8(p + 3);
  const encoded = bytes.u8(p + 4);
  if (encoded < 1 || encoded > 8) throw new Hdf5Error(`layout dimension size ${encoded} is not supported`);
  let q = p + 5;
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(bytes.uint(q + i * encoded, encoded));
  q += rank * encoded;
  const indexType = bytes.u8(q++);
  const chunk = chunkDims(dims);
  switch (indexType) {
    case 1: {
      let filteredSize: number | undefined;
      let filterMask: number | undefined;
      if (flags & 0x02) {
        filteredSize = ctx.length(q);
        filterMask = bytes.u32(q + ctx.lengthSize);
        q += ctx.lengthSize + 4;
      }
      return { kind: 'chunked', chunk, index: { kind: 'single', address: ctx.address(q), filteredSize, filterMask } };
    }
    case 2:
      return { kind: 'chunked', chunk, index: { kind: 'implicit', address: ctx.address(q) } };
    case 3:
      return { kind: 'chunked', chunk, index: { kind: 'fixed-array', address: ctx.address(q + 1) } };
    case 4:
      return { kind: 'chunked', chunk, index: { kind: 'unsupported', description: 'extensible-array chunk index (unlimited dimensions)' } };
    case 5:
      return { kind: 'chunked', chunk, index: { kind: 'unsupported', description: 'version 2 B-tree chunk index (unlimited dimensions)' } };
    default:
      throw new Hdf5Error(`chunk index type ${indexType} is not supported`);
  }
}

export interface Filter {
  readonly id: number;
  readonly name: string;
  readonly values: readonly number[];
}

/** Filter pipeline message versions 1 and 2 (§IV.A.2.l). */
export function parseFilters(ctx: FileContext, msg: HeaderMessage): Filter[] {
  const bytes = ctx.bytes;
  const p = msg.offset;
  const version = bytes.u8(p);
  const count = bytes.u8(p + 1);
  if (count > 32) throw new Hdf5Error(`filter pipeline has ${count} filters`);
  const filters: Filter[] = [];
  let q = version === 1 ? p + 8 : p + 2;
  if (version !== 1 && version !== 2) throw new Hdf5Error(`filter pipeline version ${version} is not supported`);
  for (let i = 0; i < count; i++) {
    const id = bytes.u16(q);
    q += 2;
    let nameLength = 0;
    if (version === 1 || id >= 256) {
      nameLength = bytes.u16(q);
      q += 2;
    }
    q += 2; // flags
    const nValues = bytes.u16(q);
    q += 2;
    let name = '';
    if (nameLength > 0) {
      name = decodeString(bytes.bytes(q, nameLength, 'filter name'));
      q += version === 1 ? Math.ceil(nameLength / 8) * 8 : nameLength;
    }
    const values: number[] = [];
    for (let k = 0; k < nValues; k++) values.push(bytes.u32(q + 4 * k));
    q += 4 * nValues;
    if (version === 1 && nValues % 2 === 1) q += 4;
    filters.push({ id, name, values });
  }
  return filters;
}

export interface AttributeMessage {
  readonly name: string;
  readonly type: Datatype;
  readonly dims: number[] | null;
  readonly data: Uint8Array;
}

const pad8 = (n: number): number => Math.ceil(n / 8) * 8;

/** Attribute message versions 1–3 (§IV.A.2.m), from bytes in a header or a fractal heap. */
export function parseAttribute(ctx: FileContext, p: number, limit: number): AttributeMessage {
  const bytes = ctx.bytes;
  const version = bytes.u8(p);
  if (version < 1 || version > 3) throw new Hdf5Error(`attribute message version ${version} is not supported`);
  const flags = bytes.u8(p + 1);
  if (flags & 0x03) throw new Hdf5Error('attributes with shared datatypes or dataspaces are not supported');
  const nameSize = bytes.u16(p + 2);
  const typeSize = bytes.u16(p + 4);
  const spaceSize = bytes.u16(p + 6);
  const padded = version === 1 ? pad8 : (n: number): number => n;
  let q = p + (version === 3 ? 9 : 8);
  const name = decodeString(bytes.bytes(q, nameSize, 'attribute name'));
  q += padded(nameSize);
  bytes.check(q, typeSize, 'attribute datatype');
  const type = parseDatatype(bytes, q);
  q += padded(typeSize);
  bytes.check(q, spaceSize, 'attribute dataspace');
  const dims = parseDataspace(ctx, q);
  q += padded(spaceSize);
  const dataSize = elementCount(dims) * type.size;
  if (q + dataSize > limit) throw new Hdf5Error(`attribute "${name}" claims ${dataSize} bytes of data, more than its message holds`);
  return { name, type, dims, data: bytes.bytes(q, dataSize, 'attribute data') };
}

export interface LinkMessage {
  readonly name: string;
  /** Object header address of a hard link; undefined for soft and external links. */
  readonly address: number | undefined;
}

/** Link message (§IV.A.2.g). */
export function parseLink(ctx: FileContext, p: number): LinkMessage {
  const bytes = ctx.bytes;
  const version = bytes.u8(p);
  if (version !== 1) throw new Hdf5Error(`link message version ${version} is not supported`);
  const flags = bytes.u8(p + 1);
  let q = p + 2;
  let linkType = 0;
  if (flags & 0x08) linkType = bytes.u8(q++);
  if (flags & 0x04) q += 8;
  if (flags & 0x10) q += 1;
  const lengthSize = 1 << (flags & 0x03);
  const nameLength = bytes.uint(q, lengthSize);
  q += lengthSize;
  const name = decodeString(bytes.bytes(q, nameLength, 'link name'), false);
  q += nameLength;
  return { name, address: linkType === 0 ? ctx.address(q) : undefined };
}

/** Fractal heap and name-index B-tree of a group's or object's dense storage (link info, attribute info). */
export interface DenseStorage {
  readonly heap: number;
  readonly nameIndex: number;
}

export function parseDenseStorage(ctx: FileContext, msg: HeaderMessage, creationIndexSize: number): DenseStorage {
  const bytes = ctx.bytes;
  const version = bytes.u8(msg.offset);
  if (version !== 0) throw new Hdf5Error(`link/attribute info message version ${version} is not supported`);
  const flags = bytes.u8(msg.offset + 1);
  const q = msg.offset + 2 + (flags & 0x01 ? creationIndexSize : 0);
  return { heap: ctx.address(q), nameIndex: ctx.address(q + ctx.offsetSize) };
}

/** Resolves a shared message (stored in another object header) to the original's data position. */
export function messageData(ctx: FileContext, msg: HeaderMessage): HeaderMessage {
  if (!(msg.flags & SHARED_FLAG)) return msg;
  const bytes = ctx.bytes;
  const version = bytes.u8(msg.offset);
  const type = bytes.u8(msg.offset + 1);
  let address: number;
  if (version === 1) address = ctx.address(msg.offset + 8);
  else if (version === 2) address = ctx.address(msg.offset + 2);
  else if (version === 3 && type === 2) address = ctx.address(msg.offset + 2);
  else throw new Hdf5Error('messages shared through the shared-message heap are not supported');
  ctx.budget.spend(1, 'shared messages');
  const header = readObjectHeader(ctx, ctx.at(address, 'shared message'));
  const original = header.messages.find((m) => m.type === msg.type && !(m.flags & SHARED_FLAG));
  if (!original) throw new Hdf5Error(`shared message of type ${msg.type} not found in its object header`);
  return original;
}
