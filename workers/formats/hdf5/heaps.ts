import { Hdf5Error, limitEncodedSize, readCString, UNDEFINED_ADDRESS } from './bytes';
import type { FileContext } from './context';
import { collectBtree2Records } from './btree';

/** A local heap (§III.D): the names of an old-style group's members. */
export class LocalHeap {
  private readonly dataStart: number;
  private readonly dataSize: number;

  constructor(private readonly ctx: FileContext, position: number) {
    ctx.bytes.expectSignature(position, 'HEAP', 'local heap');
    this.dataSize = ctx.length(position + 8);
    const address = ctx.address(position + 8 + 2 * ctx.lengthSize);
    this.dataStart = ctx.at(address, 'local heap data');
    ctx.bytes.check(this.dataStart, this.dataSize, 'local heap data');
  }

  string(offset: number): string {
    if (offset >= this.dataSize) throw new Hdf5Error(`local heap offset ${offset} is beyond its ${this.dataSize} bytes`);
    return readCString(this.ctx.bytes, this.dataStart + offset, this.dataSize - offset);
  }
}

/** Global heap collections (§III.E), where variable-length strings live. */
export class GlobalHeap {
  private readonly collections = new Map<number, Map<number, { offset: number; size: number }>>();

  constructor(private readonly ctx: FileContext) {}

  object(collectionAddress: number, index: number): Uint8Array {
    let objects = this.collections.get(collectionAddress);
    if (!objects) {
      objects = this.readCollection(collectionAddress);
      this.collections.set(collectionAddress, objects);
    }
    const o = objects.get(index);
    if (!o) throw new Hdf5Error(`global heap object ${index} not found in collection at ${collectionAddress}`);
    return this.ctx.bytes.bytes(o.offset, o.size, 'global heap object');
  }

  private readCollection(address: number): Map<number, { offset: number; size: number }> {
    const { bytes, lengthSize } = this.ctx;
    const start = this.ctx.at(address, 'global heap');
    bytes.expectSignature(start, 'GCOL', 'global heap');
    const size = this.ctx.length(start + 8);
    const end = start + size;
    bytes.check(start, size, 'global heap collection');
    const objects = new Map<number, { offset: number; size: number }>();
    let p = start + 8 + lengthSize;
    while (p + 8 + lengthSize <= end) {
      this.ctx.budget.spend(1, 'global heap objects');
      const index = bytes.u16(p);
      if (index === 0) break; // free space: the rest of the collection
      const objectSize = this.ctx.length(p + 8);
      const dataAt = p + 8 + lengthSize;
      if (dataAt + objectSize > end) throw new Hdf5Error(`global heap object ${index} runs past its collection`);
      objects.set(index, { offset: dataAt, size: objectSize });
      p = dataAt + Math.ceil(objectSize / 8) * 8;
    }
    return objects;
  }
}

const log2 = (n: number): number => Math.log2(n);

/**
 * A fractal heap (§III.G), where new-style groups keep their links and objects their
 * attributes once there are too many for the object header.
 */
export class FractalHeap {
  readonly heapIdLength: number;
  private readonly maxManagedSize: number;
  private readonly hugeBtree: number;
  private readonly tableWidth: number;
  private readonly startBlockSize: number;
  private readonly maxDirectBlockSize: number;
  private readonly offsetBytes: number;
  private readonly lengthBytes: number;
  private readonly rootBlock: number;
  private readonly rootRows: number;
  private readonly checksummedDirect: boolean;
  private readonly maxDirectRows: number;

  constructor(private readonly ctx: FileContext, address: number) {
    const { bytes, offsetSize, lengthSize } = ctx;
    const p = ctx.at(address, 'fractal heap');
    bytes.expectSignature(p, 'FRHP', 'fractal heap');
    this.heapIdLength = bytes.u16(p + 5);
    const filterLength = bytes.u16(p + 7);
    if (filterLength !== 0) throw new Hdf5Error('filtered fractal heaps are not supported');
    const flags = bytes.u8(p + 9);
    this.checksummedDirect = (flags & 0x02) !== 0;
    this.maxManagedSize = bytes.u32(p + 10);
    let q = p + 14 + lengthSize; // next huge object id
    this.hugeBtree = ctx.address(q);
    q += offsetSize + lengthSize + offsetSize + 8 * lengthSize;
    this.tableWidth = bytes.u16(q);
    this.startBlockSize = ctx.length(q + 2);
    this.maxDirectBlockSize = ctx.length(q + 2 + lengthSize);
    const maxHeapBits = bytes.u16(q + 2 + 2 * lengthSize);
    q += 2 + 2 * lengthSize + 2 + 2;
    this.rootBlock = ctx.address(q);
    this.rootRows = bytes.u16(q + offsetSize);
    const pow2 = (n: number): boolean => n > 0 && Number.isInteger(log2(n));
    if (this.tableWidth < 1 || this.tableWidth > 65536 || !pow2(this.startBlockSize) || !pow2(this.maxDirectBlockSize) || this.maxDirectBlockSize < this.startBlockSize || maxHeapBits < 1 || maxHeapBits > 64) {
      throw new Hdf5Error('fractal heap header is inconsistent');
    }
    this.offsetBytes = Math.ceil(maxHeapBits / 8);
    this.lengthBytes = Math.min(Math.ceil(log2(this.maxDirectBlockSize) / 8), limitEncodedSize(this.maxManagedSize));
    this.maxDirectRows = log2(this.maxDirectBlockSize) - log2(this.startBlockSize) + 2;
  }

  /** The bytes of the object a heap ID names. */
  object(id: Uint8Array): Uint8Array {
    if (id.length < 1) throw new Hdf5Error('empty fractal heap ID');
    const kind = (id[0] >> 4) & 0x03;
    if (id[0] >> 6 !== 0) throw new Hdf5Error(`fractal heap ID version ${id[0] >> 6} is not supported`);
    if (kind === 0) {
      const offset = leUint(id, 1, this.offsetBytes);
      const length = leUint(id, 1 + this.offsetBytes, this.lengthBytes);
      const { position, blockOffset, blockSize } = this.locate(offset);
      const within = offset - blockOffset;
      if (within + length > blockSize) throw new Hdf5Error('fractal heap object runs past its block');
      return this.ctx.bytes.bytes(position + within, length, 'fractal heap object');
    }
    if (kind === 2) {
      const length = (id[0] & 0x0f) + 1;
      if (1 + length > id.length) throw new Hdf5Error('tiny fractal heap object is longer than its ID');
      return id.subarray(1, 1 + length);
    }
    if (kind === 1) return this.hugeObject(id);
    throw new Hdf5Error(`fractal heap ID type ${kind} is not supported`);
  }

  private rowBlockSize(row: number): number {
    return row === 0 ? this.startBlockSize : this.startBlockSize * 2 ** (row - 1);
  }

  private locate(offset: number): { position: number; blockOffset: number; blockSize: number } {
    if (this.rootBlock === UNDEFINED_ADDRESS) throw new Hdf5Error('fractal heap has no blocks');
    if (this.rootRows === 0) return { position: this.ctx.at(this.rootBlock, 'fractal heap block'), blockOffset: 0, blockSize: this.startBlockSize };
    return this.locateIn(this.rootBlock, this.rootRows, 0, offset, 0);
  }

  private locateIn(address: number, rows: number, blockOffset: number, offset: number, depth: number): { position: number; blockOffset: number; blockSize: number } {
    const { ctx } = this;
    if (depth > 64 || rows > 64) throw new Hdf5Error('fractal heap indirect blocks nest too deeply');
    ctx.budget.spend(1, 'fractal heap blocks');
    const p = ctx.at(address, 'fractal heap indirect block');
    ctx.bytes.expectSignature(p, 'FHIB', 'fractal heap indirect block');
    const entriesAt = p + 5 + ctx.offsetSize + this.offsetBytes;
    let start = blockOffset;
    for (let row = 0; row < rows; row++) {
      const size = this.rowBlockSize(row);
      const span = size * this.tableWidth;
      if (offset < start + span) {
        const column = Math.floor((offset - start) / size);
        const entry = row * this.tableWidth + column;
        const child = ctx.address(entriesAt + entry * ctx.offsetSize);
        const childOffset = start + column * size;
        if (child === UNDEFINED_ADDRESS) throw new Hdf5Error(`fractal heap offset ${offset} lies in an unallocated block`);
        if (row < this.maxDirectRows) {
          const position = ctx.at(child, 'fractal heap direct block');
          ctx.bytes.expectSignature(position, 'FHDB', 'fractal heap direct block');
          ctx.bytes.check(position, size, 'fractal heap direct block');
          return { position, blockOffset: childOffset, blockSize: size };
        }
        const childRows = log2(size) - log2(this.startBlockSize * this.tableWidth) + 1;
        return this.locateIn(child, childRows, childOffset, offset, depth + 1);
      }
      start += span;
    }
    throw new Hdf5Error(`fractal heap offset ${offset} is beyond the heap`);
  }

  private hugeObject(id: Uint8Array): Uint8Array {
    const { ctx } = this;
    const direct = this.heapIdLength >= 1 + ctx.offsetSize + ctx.lengthSize;
    if (direct) {
      const address = leUint(id, 1, ctx.offsetSize);
      const length = leUint(id, 1 + ctx.offsetSize, ctx.lengthSize);
      return ctx.bytes.bytes(ctx.at(address, 'huge heap object'), length, 'huge heap object');
    }
    const wanted = leUint(id, 1, Math.min(id.length - 1, 8));
    let found: Uint8Array | undefined;
    collectBtree2Records(ctx, this.hugeBtree, (at, type) => {
      if (type !== 1) throw new Hdf5Error(`huge object index has record type ${type} (filtered heaps are not supported)`);
      const address = ctx.address(at);
      const length = ctx.length(at + ctx.offsetSize);
      const objectId = ctx.length(at + ctx.offsetSize + ctx.lengthSize);
      if (objectId === wanted) found = ctx.bytes.bytes(ctx.at(address, 'huge heap object'), length, 'huge heap object');
    });
    if (!found) throw new Hdf5Error(`huge heap object ${wanted} not found`);
    return found;
  }
}

function leUint(bytes: Uint8Array, offset: number, size: number): number {
  if (offset + size > bytes.length) throw new Hdf5Error('fractal heap ID is too short');
  let v = 0;
  let scale = 1;
  for (let i = 0; i < size; i++) {
    v += bytes[offset + i] * scale;
    scale *= 256;
  }
  if (!Number.isSafeInteger(v)) throw new Hdf5Error('fractal heap ID is too large');
  return v;
}
