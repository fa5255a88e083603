import { unzlibSync } from 'fflate';
import { Hdf5Error, UNDEFINED_ADDRESS } from './bytes';
import type { FileContext } from './context';
import { collectChunks, type ChunkRecord } from './btree';
import type { ChunkIndex, Filter } from './messages';
import { errorMessage } from '../../engine/graph';

/** Bound on how much deflate can expand data (its format cannot exceed ~1032:1). */
export const MAX_DEFLATE_RATIO = 1100;

const FILTER_NAMES: Record<number, string> = { 4: 'szip', 5: 'nbit', 6: 'scaleoffset', 32000: 'lzf', 32001: 'blosc', 32004: 'lz4', 32008: 'bitshuffle', 32015: 'zstd' };

export function checkFiltersSupported(filters: readonly Filter[]): void {
  for (const f of filters) {
    if (f.id < 1 || f.id > 3) {
      const name = FILTER_NAMES[f.id] ?? (f.name || 'unknown');
      throw new Hdf5Error(`compression filter ${f.id} (${name}) is not supported; save with gzip or no compression`);
    }
  }
}

/** Undoes the filter pipeline on one chunk (filters run in reverse order when reading). */
export function unfilter(stored: Uint8Array, filters: readonly Filter[], filterMask: number, expectedSize: number, elementSize: number): Uint8Array {
  let data = stored;
  for (let i = filters.length - 1; i >= 0; i--) {
    if (filterMask & (1 << i)) continue;
    const f = filters[i];
    if (f.id === 1) {
      // Bytes this stage must produce: the chunk plus the checksums of fletcher32 stages before it.
      let size = expectedSize;
      for (let k = 0; k < i; k++) if (filters[k].id === 3 && !(filterMask & (1 << k))) size += 4;
      if (size > data.length * MAX_DEFLATE_RATIO + 64) throw new Hdf5Error(`a compressed chunk of ${data.length} bytes cannot hold ${size} bytes`);
      let inflated: Uint8Array;
      try {
        inflated = unzlibSync(data, { out: new Uint8Array(size + 1) });
      } catch (e) {
        throw new Hdf5Error(`a compressed chunk is corrupt (${errorMessage(e)})`);
      }
      if (inflated.length !== size) throw new Hdf5Error(`a compressed chunk inflates to ${inflated.length > size ? 'more than' : inflated.length} bytes, ${size} expected`);
      data = inflated;
    } else if (f.id === 2) {
      const width = f.values[0] ?? elementSize;
      data = unshuffle(data, width);
    } else if (f.id === 3) {
      if (data.length < 4) throw new Hdf5Error('a fletcher32 chunk is shorter than its checksum');
      data = data.subarray(0, data.length - 4);
    }
  }
  if (data.length < expectedSize) throw new Hdf5Error(`a chunk holds ${data.length} bytes, ${expectedSize} expected`);
  return data;
}

function unshuffle(data: Uint8Array, width: number): Uint8Array {
  if (width <= 1) return data;
  const count = Math.floor(data.length / width);
  const out = new Uint8Array(data.length);
  for (let b = 0; b < width; b++) {
    const from = b * count;
    for (let i = 0; i < count; i++) out[i * width + b] = data[from + i];
  }
  // Bytes past the last whole element are left in place by the shuffle filter.
  out.set(data.subarray(count * width), count * width);
  return out;
}

/** The chunks of a dataset, whatever index the file uses. */
export function listChunks(ctx: FileContext, index: ChunkIndex, dims: readonly number[], chunk: readonly number[], chunkBytes: number, filtered: boolean): ChunkRecord[] {
  const grid = dims.map((d, i) => Math.ceil(d / chunk[i]));
  const chunkCount = grid.reduce((a, b) => a * b, 1);
  const offsetsOf = (linear: number): number[] => {
    const offsets = new Array<number>(dims.length);
    for (let d = dims.length - 1; d >= 0; d--) {
      offsets[d] = (linear % grid[d]) * chunk[d];
      linear = Math.floor(linear / grid[d]);
    }
    return offsets;
  };
  switch (index.kind) {
    case 'btree-v1':
      if (index.address === UNDEFINED_ADDRESS) return [];
      return collectChunks(ctx, index.address, dims.length);
    case 'single':
      if (index.address === UNDEFINED_ADDRESS) return [];
      return [{ offsets: dims.map(() => 0), address: index.address, size: index.filteredSize ?? chunkBytes, filterMask: index.filterMask ?? 0 }];
    case 'implicit': {
      if (index.address === UNDEFINED_ADDRESS) return [];
      if (filtered) throw new Hdf5Error('implicit chunk index with filters');
      ctx.bytes.check(ctx.at(index.address, 'chunks'), chunkCount * chunkBytes, 'implicitly indexed chunks');
      return Array.from({ length: chunkCount }, (_, i) => ({ offsets: offsetsOf(i), address: index.address + i * chunkBytes, size: chunkBytes, filterMask: 0 }));
    }
    case 'fixed-array':
      return fixedArrayChunks(ctx, index.address, chunkCount, chunkBytes, offsetsOf);
    case 'unsupported':
      throw new Hdf5Error(`${index.description} is not supported`);
  }
}

/** Fixed array chunk index (§VII.B): header FAHD, data block FADB, optionally paged. */
function fixedArrayChunks(ctx: FileContext, address: number, chunkCount: number, chunkBytes: number, offsetsOf: (i: number) => number[]): ChunkRecord[] {
  if (address === UNDEFINED_ADDRESS) return [];
  const { bytes, offsetSize } = ctx;
  const h = ctx.at(address, 'fixed array header');
  bytes.expectSignature(h, 'FAHD', 'fixed array header');
  const client = bytes.u8(h + 5);
  const entrySize = bytes.u8(h + 6);
  const pageBits = bytes.u8(h + 7);
  const entries = ctx.length(h + 8);
  const block = ctx.address(h + 8 + ctx.lengthSize);
  if (entries !== chunkCount) throw new Hdf5Error(`fixed array holds ${entries} chunks, the dataset has ${chunkCount}`);
  if (entrySize < offsetSize || (client === 1 && entrySize < offsetSize + 5)) throw new Hdf5Error('fixed array entries are too small');
  if (block === UNDEFINED_ADDRESS) return [];
  const b = ctx.at(block, 'fixed array data block');
  bytes.expectSignature(b, 'FADB', 'fixed array data block');
  const prefix = 6 + offsetSize;
  const perPage = pageBits < 32 ? 2 ** pageBits : Infinity;
  const entryAt: (i: number) => number = (() => {
    if (entries <= perPage) return (i: number) => b + prefix + i * entrySize;
    const pages = Math.ceil(entries / perPage);
    const bitmapBytes = Math.ceil(pages / 8);
    const firstPage = b + prefix + bitmapBytes + 4;
    const pageSize = perPage * entrySize + 4;
    return (i: number) => firstPage + Math.floor(i / perPage) * pageSize + (i % perPage) * entrySize;
  })();
  ctx.budget.spend(entries, 'chunk records');
  const out: ChunkRecord[] = [];
  for (let i = 0; i < entries; i++) {
    const e = entryAt(i);
    const chunkAddress = ctx.address(e);
    if (chunkAddress === UNDEFINED_ADDRESS) continue;
    if (client === 1) {
      const sizeBytes = entrySize - offsetSize - 4;
      out.push({ offsets: offsetsOf(i), address: chunkAddress, size: bytes.uint(e + offsetSize, sizeBytes), filterMask: bytes.u32(e + offsetSize + sizeBytes) });
    } else {
      out.push({ offsets: offsetsOf(i), address: chunkAddress, size: chunkBytes, filterMask: 0 });
    }
  }
  return out;
}

/** Copies the part of a chunk that lies inside the dataset into the C-order output. */
export function copyChunk(out: Uint8Array, dims: readonly number[], chunkData: Uint8Array, chunk: readonly number[], offsets: readonly number[], elementSize: number): void {
  const rank = dims.length;
  for (let d = 0; d < rank; d++) {
    if (offsets[d] % chunk[d] !== 0 || offsets[d] >= dims[d]) throw new Hdf5Error(`chunk at [${offsets.join(', ')}] is outside the dataset`);
  }
  const last = rank - 1;
  const run = Math.min(chunk[last], dims[last] - offsets[last]) * elementSize;
  const outStrides = new Array<number>(rank);
  const chunkStrides = new Array<number>(rank);
  outStrides[last] = 1;
  chunkStrides[last] = 1;
  for (let d = last - 1; d >= 0; d--) {
    outStrides[d] = outStrides[d + 1] * dims[d + 1];
    chunkStrides[d] = chunkStrides[d + 1] * chunk[d + 1];
  }
  const extent = offsets.map((o, d) => Math.min(chunk[d], dims[d] - o));
  const counter = new Array<number>(rank).fill(0);
  for (;;) {
    let src = 0;
    let dst = 0;
    for (let d = 0; d < rank; d++) {
      src += counter[d] * chunkStrides[d];
      dst += (offsets[d] + counter[d]) * outStrides[d];
    }
    out.set(chunkData.subarray(src * elementSize, src * elementSize + run), dst * elementSize);
    let d = last - 1;
    while (d >= 0) {
      counter[d]++;
      if (counter[d] < extent[d]) break;
      counter[d] = 0;
      d--;
    }
    if (d < 0) break;
  }
}
