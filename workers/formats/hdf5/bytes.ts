/** A problem in an HDF5 file's structure; readers turn it into a ModelError naming the file. */
export class Hdf5Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Hdf5Error';
  }
}

/** HDF5's "undefined address": every byte 0xFF. */
export const UNDEFINED_ADDRESS = -1;

/**
 * Bounded little-endian reads over the file's bytes. Every read checks the bounds, so a
 * corrupt offset ends in an Hdf5Error instead of a RangeError or a silent zero.
 */
export class Bytes {
  readonly view: DataView;

  constructor(readonly data: Uint8Array) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  get length(): number {
    return this.data.length;
  }

  check(offset: number, size: number, what: string): void {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(size) || offset < 0 || size < 0 || offset + size > this.data.length) {
      throw new Hdf5Error(`${what} at offset ${offset} (${size} bytes) lies outside the file (${this.data.length} bytes)`);
    }
  }

  u8(offset: number): number {
    this.check(offset, 1, 'byte');
    return this.data[offset];
  }

  u16(offset: number): number {
    this.check(offset, 2, 'uint16');
    return this.view.getUint16(offset, true);
  }

  u32(offset: number): number {
    this.check(offset, 4, 'uint32');
    return this.view.getUint32(offset, true);
  }

  /** An unsigned integer of 1–8 bytes; values above 2^53 are refused (no real file needs them). */
  uint(offset: number, size: number): number {
    this.check(offset, size, 'integer');
    let value = 0;
    let scale = 1;
    for (let i = 0; i < size; i++) {
      value += this.data[offset + i] * scale;
      scale *= 256;
    }
    if (!Number.isSafeInteger(value)) throw new Hdf5Error(`integer at offset ${offset} is too large (${value})`);
    return value;
  }

  /** An address of `size` bytes; all-ones is the undefined address. */
  address(offset: number, size: number): number {
    this.check(offset, size, 'address');
    let allOnes = true;
    for (let i = 0; i < size; i++) if (this.data[offset + i] !== 0xff) allOnes = false;
    return allOnes ? UNDEFINED_ADDRESS : this.uint(offset, size);
  }

  bytes(offset: number, size: number, what = 'data'): Uint8Array {
    this.check(offset, size, what);
    return this.data.subarray(offset, offset + size);
  }

  signature(offset: number, expected: string): boolean {
    if (offset < 0 || offset + expected.length > this.data.length) return false;
    for (let i = 0; i < expected.length; i++) if (this.data[offset + i] !== expected.charCodeAt(i)) return false;
    return true;
  }

  expectSignature(offset: number, expected: string, what: string): void {
    if (!this.signature(offset, expected)) throw new Hdf5Error(`${what} at offset ${offset} lacks its "${expected}" signature`);
  }
}

const utf8 = new TextDecoder('utf-8');

/** Text of a byte string, cut at its first NUL (HDF5 pads strings with NULs or spaces). */
export function decodeString(bytes: Uint8Array, nulTerminated = true): string {
  let end = bytes.length;
  if (nulTerminated) {
    const nul = bytes.indexOf(0);
    if (nul >= 0) end = nul;
  }
  return utf8.decode(bytes.subarray(0, end));
}

/** A NUL-terminated string starting at `offset`, at most `limit` bytes long. */
export function readCString(bytes: Bytes, offset: number, limit: number): string {
  const end = Math.min(bytes.length, offset + limit);
  bytes.check(offset, 1, 'string');
  const nul = bytes.data.subarray(offset, end).indexOf(0);
  if (nul < 0) throw new Hdf5Error(`string at offset ${offset} is not terminated`);
  return utf8.decode(bytes.data.subarray(offset, offset + nul));
}

/**
 * Caps the structural work of one file (B-tree nodes, heap blocks, header messages), so a
 * file whose structures point in circles or claim millions of entries ends in bounded time.
 */
export class WorkBudget {
  private left: number;

  constructor(limit: number) {
    this.left = limit;
  }

  spend(units: number, what: string): void {
    this.left -= units;
    if (this.left < 0) throw new Hdf5Error(`the file's ${what} never end (structure too large or cyclic)`);
  }
}

/** H5VM_limit_enc_size: bytes needed to encode values up to n. */
export function limitEncodedSize(n: number): number {
  return Math.floor((n > 0 ? Math.floor(Math.log2(n)) : 0) / 8) + 1;
}
