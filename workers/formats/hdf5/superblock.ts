import { Bytes, Hdf5Error } from './bytes';
import { FileContext } from './context';

const SIGNATURE = '\x89HDF\r\n\x1a\n';

/** Where the superblock is: at 0 or after a user block of 512, 1024, 2048 … bytes. */
function findSuperblock(bytes: Bytes): number {
  for (let at = 0; at + 8 <= bytes.length; at = at === 0 ? 512 : at * 2) {
    if (bytes.signature(at, SIGNATURE)) return at;
  }
  return -1;
}

export function isHdf5(data: Uint8Array): boolean {
  return findSuperblock(new Bytes(data)) >= 0;
}

export interface Superblock {
  readonly version: number;
  readonly context: FileContext;
  /** Absolute position of the root group's object header. */
  readonly rootHeader: number;
}

function checkSizes(offsetSize: number, lengthSize: number): void {
  if (![2, 4, 8].includes(offsetSize) || ![2, 4, 8].includes(lengthSize)) {
    throw new Hdf5Error(`superblock declares address size ${offsetSize} and length size ${lengthSize} (expected 2, 4 or 8)`);
  }
}

/** Reads superblock versions 0–3 (HDF5 File Format Specification §II.A). */
export function readSuperblock(bytes: Bytes): Superblock {
  const at = findSuperblock(bytes);
  if (at < 0) throw new Hdf5Error('no HDF5 signature');
  const version = bytes.u8(at + 8);
  if (version === 0 || version === 1) {
    const offsetSize = bytes.u8(at + 13);
    const lengthSize = bytes.u8(at + 14);
    checkSizes(offsetSize, lengthSize);
    let p = at + 24 + (version === 1 ? 4 : 0);
    const base = bytes.uint(p, offsetSize);
    p += 4 * offsetSize; // base, free-space info, end of file, driver info
    const ctx = new FileContext(bytes, offsetSize, lengthSize, base);
    // Root group symbol table entry: link name offset, then the object header address.
    const root = ctx.address(p + offsetSize);
    return { version, context: ctx, rootHeader: ctx.at(root, 'root group') };
  }
  if (version === 2 || version === 3) {
    const offsetSize = bytes.u8(at + 9);
    const lengthSize = bytes.u8(at + 10);
    checkSizes(offsetSize, lengthSize);
    const p = at + 12;
    const base = bytes.uint(p, offsetSize);
    const ctx = new FileContext(bytes, offsetSize, lengthSize, base);
    const root = ctx.address(p + 3 * offsetSize);
    return { version, context: ctx, rootHeader: ctx.at(root, 'root group') };
  }
  throw new Hdf5Error(`superblock version ${version} is not supported`);
}
