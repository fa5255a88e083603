import { Hdf5Error, limitEncodedSize, UNDEFINED_ADDRESS } from './bytes';
import type { FileContext } from './context';

const MAX_DEPTH = 64;

/** Entries of an old-style group: (name offset in the local heap, object header address). */
export interface SymbolEntry {
  readonly nameOffset: number;
  readonly address: number;
}

/** Walks a version 1 B-tree of group nodes (§III.A.1) and the symbol table nodes it points to. */
export function collectGroupEntries(ctx: FileContext, btreeAddress: number): SymbolEntry[] {
  const out: SymbolEntry[] = [];
  const seen = new Set<number>();
  const visit = (address: number, depth: number): void => {
    if (depth > MAX_DEPTH) throw new Hdf5Error('group B-tree is too deep');
    const p = ctx.at(address, 'group B-tree node');
    if (seen.has(p)) throw new Hdf5Error('group B-tree has a cycle');
    seen.add(p);
    ctx.budget.spend(1, 'group B-tree nodes');
    const { bytes, offsetSize, lengthSize } = ctx;
    bytes.expectSignature(p, 'TREE', 'group B-tree node');
    if (bytes.u8(p + 4) !== 0) throw new Hdf5Error(`B-tree at ${p} is not a group B-tree`);
    const level = bytes.u8(p + 5);
    const entries = bytes.u16(p + 6);
    let q = p + 8 + 2 * offsetSize + lengthSize; // first child, after the first key
    for (let i = 0; i < entries; i++) {
      const child = ctx.address(q);
      if (level > 0) visit(child, depth + 1);
      else readSymbolNode(ctx, child, out, seen);
      q += offsetSize + lengthSize;
    }
  };
  visit(btreeAddress, 0);
  return out;
}

function readSymbolNode(ctx: FileContext, address: number, out: SymbolEntry[], seen: Set<number>): void {
  const { bytes, offsetSize } = ctx;
  const p = ctx.at(address, 'symbol table node');
  if (seen.has(p)) throw new Hdf5Error('symbol table node is referenced twice');
  seen.add(p);
  bytes.expectSignature(p, 'SNOD', 'symbol table node');
  const count = bytes.u16(p + 6);
  const entrySize = 2 * offsetSize + 24;
  bytes.check(p + 8, count * entrySize, 'symbol table node');
  ctx.budget.spend(count, 'symbol table entries');
  for (let i = 0; i < count; i++) {
    const e = p + 8 + i * entrySize;
    out.push({ nameOffset: ctx.address(e), address: ctx.address(e + offsetSize) });
  }
}

/** One stored chunk of a dataset. */
export interface ChunkRecord {
  /** Element coordinates of the chunk's first element. */
  readonly offsets: readonly number[];
  readonly address: number;
  readonly size: number;
  readonly filterMask: number;
}

/** Walks a version 1 B-tree of raw data chunks (§III.A.1, node type 1). */
export function collectChunks(ctx: FileContext, btreeAddress: number, rank: number): ChunkRecord[] {
  const out: ChunkRecord[] = [];
  const seen = new Set<number>();
  const keySize = 8 + 8 * (rank + 1);
  const visit = (address: number, depth: number): void => {
    if (depth > MAX_DEPTH) throw new Hdf5Error('chunk B-tree is too deep');
    const p = ctx.at(address, 'chunk B-tree node');
    if (seen.has(p)) throw new Hdf5Error('chunk B-tree has a cycle');
    seen.add(p);
    ctx.budget.spend(1, 'chunk B-tree nodes');
    const { bytes, offsetSize } = ctx;
    bytes.expectSignature(p, 'TREE', 'chunk B-tree node');
    if (bytes.u8(p + 4) !== 1) throw new Hdf5Error(`B-tree at ${p} is not a chunk B-tree`);
    const level = bytes.u8(p + 5);
    const entries = bytes.u16(p + 6);
    let q = p + 8 + 2 * offsetSize;
    bytes.check(q, entries * (keySize + offsetSize) + keySize, 'chunk B-tree node');
    ctx.budget.spend(entries, 'chunk records');
    for (let i = 0; i < entries; i++) {
      const size = bytes.u32(q);
      const filterMask = bytes.u32(q + 4);
      const offsets: number[] = [];
      for (let d = 0; d < rank; d++) offsets.push(bytes.uint(q + 8 + 8 * d, 8));
      const child = ctx.address(q + keySize);
      if (level > 0) visit(child, depth + 1);
      else out.push({ offsets, address: child, size, filterMask });
      q += keySize + offsetSize;
    }
  };
  visit(btreeAddress, 0);
  return out;
}

/**
 * Visits every record of a version 2 B-tree (§III.A.2): `visit` gets each record's absolute
 * position and the tree's record type.
 */
export function collectBtree2Records(ctx: FileContext, headerAddress: number, visit: (position: number, type: number) => void): void {
  if (headerAddress === UNDEFINED_ADDRESS) return;
  const { bytes, offsetSize } = ctx;
  const h = ctx.at(headerAddress, 'B-tree v2 header');
  bytes.expectSignature(h, 'BTHD', 'B-tree v2 header');
  const type = bytes.u8(h + 5);
  const nodeSize = bytes.u32(h + 6);
  const recordSize = bytes.u16(h + 10);
  const depth = bytes.u16(h + 12);
  const root = ctx.address(h + 16);
  const rootRecords = bytes.u16(h + 16 + offsetSize);
  if (recordSize === 0 || nodeSize <= 10 || depth > MAX_DEPTH) throw new Hdf5Error('B-tree v2 header is inconsistent');
  // Field sizes of internal-node pointers follow from the node size (H5B2__hdr_init).
  const maxRecords: number[] = [Math.floor((nodeSize - 10) / recordSize)];
  const cumulative: number[] = [maxRecords[0]];
  const cumulativeSize: number[] = [0];
  const recordCountSize = limitEncodedSize(maxRecords[0]);
  for (let d = 1; d <= depth; d++) {
    const pointer = offsetSize + recordCountSize + (d > 1 ? cumulativeSize[d - 1] : 0);
    const n = Math.floor((nodeSize - 10 - pointer) / (recordSize + pointer));
    if (n < 1) throw new Hdf5Error('B-tree v2 nodes are too small');
    maxRecords.push(n);
    cumulative.push((n + 1) * cumulative[d - 1] + n);
    cumulativeSize.push(limitEncodedSize(cumulative[d]));
  }
  const seen = new Set<number>();
  const walk = (address: number, records: number, level: number): void => {
    if (address === UNDEFINED_ADDRESS || records === 0) return;
    const p = ctx.at(address, 'B-tree v2 node');
    if (seen.has(p)) throw new Hdf5Error('B-tree v2 has a cycle');
    seen.add(p);
    ctx.budget.spend(1 + records, 'B-tree v2 records');
    if (records > maxRecords[level]) throw new Hdf5Error('B-tree v2 node holds more records than fit');
    bytes.expectSignature(p, level === 0 ? 'BTLF' : 'BTIN', 'B-tree v2 node');
    const recordsAt = p + 6;
    bytes.check(recordsAt, records * recordSize, 'B-tree v2 records');
    if (level === 0) {
      for (let i = 0; i < records; i++) visit(recordsAt + i * recordSize, type);
      return;
    }
    const pointerSize = offsetSize + recordCountSize + (level > 1 ? cumulativeSize[level - 1] : 0);
    let q = recordsAt + records * recordSize;
    for (let i = 0; i <= records; i++) {
      const child = ctx.address(q);
      const childRecords = bytes.uint(q + offsetSize, recordCountSize);
      walk(child, childRecords, level - 1);
      if (i < records) visit(recordsAt + i * recordSize, type);
      q += pointerSize;
    }
  };
  walk(root, rootRecords, depth);
}
