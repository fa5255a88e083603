import { inflateSync } from 'fflate';
import { spendBytes } from '../../engine/budget';
import { crc32 } from './crc32';
import { errorMessage } from '../../engine/graph';

/** A problem in a zip archive's structure; readers turn it into a ModelError naming the file. */
export class ZipError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipError';
  }
}

export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly crc: number;
  readonly localHeader: number;
  readonly encrypted: boolean;
}

/** Deflate cannot expand data more than ~1032:1; a header claiming more is lying. */
const MAX_DEFLATE_RATIO = 1100;
const MAX_ENTRIES = 1_000_000;

export function isZip(data: Uint8Array): boolean {
  return data.length >= 4 && data[0] === 0x50 && data[1] === 0x4b && ((data[2] === 3 && data[3] === 4) || (data[2] === 5 && data[3] === 6));
}

/**
 * A zip archive read in place (PKWARE APPNOTE 6.3): the central directory is parsed up front;
 * stored entries are returned as views of the archive's bytes, deflated ones are inflated
 * into a buffer of their declared size, and every entry's CRC-32 is checked.
 */
export class ZipArchive {
  readonly entries: readonly ZipEntry[];
  private readonly view: DataView;

  constructor(private readonly data: Uint8Array) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.entries = this.readDirectory();
    this.checkNoOverlap();
  }

  /**
   * Members whose bytes overlap are how a small archive unpacks to gigabytes (one deflate
   * stream read by every member); no archive tool writes them, so they are refused at once.
   */
  private checkNoOverlap(): void {
    const spans: { name: string; start: number; end: number }[] = [];
    for (const e of this.entries) {
      const h = e.localHeader;
      // A member whose local header is damaged fails when it is read; only readable ones are placed.
      if (h + 30 > this.data.length || this.view.getUint32(h, true) !== 0x04034b50) continue;
      spans.push({ name: e.name, start: h, end: h + 30 + this.u16(h + 26) + this.u16(h + 28) + e.compressedSize });
    }
    spans.sort((a, b) => a.start - b.start);
    for (let i = 1; i < spans.length; i++) {
      if (spans[i].start < spans[i - 1].end) {
        throw new ZipError(`members "${spans[i - 1].name}" and "${spans[i].name}" overlap in the archive (a zip bomb or a damaged file)`);
      }
    }
  }

  private u16(at: number): number {
    this.check(at, 2);
    return this.view.getUint16(at, true);
  }

  private u32(at: number): number {
    this.check(at, 4);
    return this.view.getUint32(at, true);
  }

  private u64(at: number): number {
    this.check(at, 8);
    const v = this.view.getUint32(at, true) + this.view.getUint32(at + 4, true) * 2 ** 32;
    if (!Number.isSafeInteger(v)) throw new ZipError(`a 64-bit field at ${at} is too large`);
    return v;
  }

  private check(at: number, size: number): void {
    if (at < 0 || at + size > this.data.length) throw new ZipError(`the archive is truncated (needs bytes ${at}–${at + size}, has ${this.data.length})`);
  }

  private findEndOfDirectory(): number {
    const min = Math.max(0, this.data.length - 22 - 0xffff);
    for (let at = this.data.length - 22; at >= min; at--) {
      if (this.view.getUint32(at, true) === 0x06054b50) return at;
    }
    throw new ZipError('no end-of-central-directory record (truncated or not a zip archive)');
  }

  private readDirectory(): ZipEntry[] {
    if (this.data.length < 22) throw new ZipError('the archive is too short');
    const eocd = this.findEndOfDirectory();
    let count = this.u16(eocd + 10);
    let size = this.u32(eocd + 12);
    let offset = this.u32(eocd + 16);
    if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
      const locator = eocd - 20;
      if (locator < 0 || this.u32(locator) !== 0x07064b50) throw new ZipError('ZIP64 locator missing');
      const z = this.u64(locator + 8);
      if (this.u32(z) !== 0x06064b50) throw new ZipError('ZIP64 end-of-central-directory record missing');
      count = this.u64(z + 32);
      size = this.u64(z + 40);
      offset = this.u64(z + 48);
    }
    if (count > MAX_ENTRIES || count * 46 > size) throw new ZipError(`the central directory declares ${count} entries in ${size} bytes`);
    this.check(offset, size);
    const entries: ZipEntry[] = [];
    let p = offset;
    const decoder = new TextDecoder('utf-8');
    for (let i = 0; i < count; i++) {
      if (this.u32(p) !== 0x02014b50) throw new ZipError(`central directory entry ${i} is corrupt`);
      const flags = this.u16(p + 8);
      const method = this.u16(p + 10);
      const crc = this.u32(p + 16);
      let compressedSize = this.u32(p + 20);
      let uncompressedSize = this.u32(p + 24);
      const nameLength = this.u16(p + 28);
      const extraLength = this.u16(p + 30);
      const commentLength = this.u16(p + 32);
      let localHeader = this.u32(p + 42);
      this.check(p + 46, nameLength + extraLength + commentLength);
      const name = decoder.decode(this.data.subarray(p + 46, p + 46 + nameLength));
      // ZIP64 extended information: the 32-bit fields that are all ones, in this order.
      let e = p + 46 + nameLength;
      const extraEnd = e + extraLength;
      while (e + 4 <= extraEnd) {
        const id = this.u16(e);
        const length = this.u16(e + 2);
        if (id === 0x0001) {
          let q = e + 4;
          if (uncompressedSize === 0xffffffff) {
            uncompressedSize = this.u64(q);
            q += 8;
          }
          if (compressedSize === 0xffffffff) {
            compressedSize = this.u64(q);
            q += 8;
          }
          if (localHeader === 0xffffffff) localHeader = this.u64(q);
        }
        e += 4 + length;
      }
      entries.push({ name, method, compressedSize, size: uncompressedSize, crc, localHeader, encrypted: (flags & 1) !== 0 });
      p += 46 + nameLength + extraLength + commentLength;
    }
    return entries;
  }

  entry(name: string): ZipEntry | undefined {
    return this.entries.find((e) => e.name === name);
  }

  /** An entry's bytes, checked against its CRC-32. */
  read(entry: ZipEntry): Uint8Array {
    if (entry.encrypted) throw new ZipError(`${entry.name} is encrypted`);
    const h = entry.localHeader;
    if (this.u32(h) !== 0x04034b50) throw new ZipError(`the local header of ${entry.name} is corrupt`);
    const start = h + 30 + this.u16(h + 26) + this.u16(h + 28);
    this.check(start, entry.compressedSize);
    const stored = this.data.subarray(start, start + entry.compressedSize);
    let out: Uint8Array;
    if (entry.method === 0) {
      if (entry.size !== entry.compressedSize) throw new ZipError(`${entry.name} is stored with two different sizes`);
      out = stored;
    } else if (entry.method === 8) {
      if (entry.size > entry.compressedSize * MAX_DEFLATE_RATIO + 64) {
        throw new ZipError(`${entry.name} declares ${entry.size} bytes, more than ${entry.compressedSize} compressed bytes can hold`);
      }
      spendBytes('', `archive member "${entry.name}"`, entry.size, 1);
      let inflated: Uint8Array;
      try {
        inflated = inflateSync(stored, { out: new Uint8Array(entry.size + 1) });
      } catch (e) {
        throw new ZipError(`${entry.name} is corrupt (${errorMessage(e)})`);
      }
      if (inflated.length !== entry.size) throw new ZipError(`${entry.name} inflates to a size other than the ${entry.size} bytes declared`);
      out = inflated;
    } else {
      throw new ZipError(`${entry.name} uses compression method ${entry.method}; only stored and deflated entries are supported`);
    }
    if (crc32(out) !== entry.crc) throw new ZipError(`${entry.name} fails its CRC check (corrupt archive)`);
    return out;
  }
}
