import { Bytes, Hdf5Error, UNDEFINED_ADDRESS, WorkBudget } from './bytes';

/** What every structure of one file needs: its bytes, its field sizes, its base address. */
export class FileContext {
  readonly budget = new WorkBudget(5_000_000);

  constructor(
    readonly bytes: Bytes,
    /** Size of addresses ("offsets") in bytes: 2, 4 or 8. */
    readonly offsetSize: number,
    /** Size of lengths in bytes: 2, 4 or 8. */
    readonly lengthSize: number,
    /** Absolute position that addresses are relative to (non-zero after a user block). */
    readonly baseAddress: number,
  ) {}

  /** Absolute position in the bytes of a file address; refuses the undefined address. */
  at(address: number, what: string): number {
    if (address === UNDEFINED_ADDRESS) throw new Hdf5Error(`${what} has an undefined address`);
    const p = this.baseAddress + address;
    if (p >= this.bytes.length) throw new Hdf5Error(`${what} at address ${address} lies outside the file (${this.bytes.length} bytes)`);
    return p;
  }

  address(offset: number): number {
    return this.bytes.address(offset, this.offsetSize);
  }

  length(offset: number): number {
    return this.bytes.uint(offset, this.lengthSize);
  }
}
