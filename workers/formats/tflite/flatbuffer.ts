import { ByteBuffer } from 'flatbuffers';
import { ModelError } from '../../engine/graph';

/**
 * Bounded access to a FlatBuffer (https://flatbuffers.dev/internals/): every offset read is
 * checked against the file before it is followed, so a truncated or lying file fails with a
 * message naming the file and the table, never with garbage or an out-of-range read.
 * Offsets to tables, vectors and strings are unsigned and point forward: no cycles.
 */
export class FlatFile {
  readonly bb: ByteBuffer;

  constructor(readonly bytes: Uint8Array, readonly fileName: string) {
    this.bb = new ByteBuffer(bytes);
  }

  fail(problem: string): never {
    throw new ModelError(`${this.fileName}: ${problem}`);
  }

  /** Checks that [offset, offset + size) lies inside the file. */
  check(offset: number, size: number, what: string): void {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(size) || offset < 0 || size < 0 || offset + size > this.bytes.length) {
      this.fail(`${what} lies outside the file (offset ${offset}, ${size} bytes, file of ${this.bytes.length} bytes): the file is truncated or damaged`);
    }
  }

  /** The root table, whose offset is the file's first word. */
  root(what: string): Table {
    this.check(0, 8, 'the FlatBuffer header');
    return new Table(this, this.bb.readUint32(0), what);
  }
}

export interface VectorRef {
  readonly start: number;
  readonly length: number;
}

/** One table: its fields by id (the order of declaration in the schema, unions taking two ids). */
export class Table {
  private readonly vtable: number;
  private readonly vtableSize: number;

  constructor(readonly file: FlatFile, readonly pos: number, readonly what: string) {
    file.check(pos, 4, what);
    const bb = file.bb;
    this.vtable = pos - bb.readInt32(pos);
    file.check(this.vtable, 4, `the field table of ${what}`);
    this.vtableSize = bb.readUint16(this.vtable);
    file.check(this.vtable, this.vtableSize, `the field table of ${what}`);
    file.check(pos, bb.readUint16(this.vtable + 2), what);
  }

  /** Absolute position of field `id`, or 0 when the field is absent (it then has its default). */
  private field(id: number, size: number): number {
    const slot = 4 + 2 * id;
    if (slot + 2 > this.vtableSize) return 0;
    const rel = this.file.bb.readUint16(this.vtable + slot);
    if (rel === 0) return 0;
    this.file.check(this.pos + rel, size, `field ${id} of ${this.what}`);
    return this.pos + rel;
  }

  has(id: number): boolean {
    return this.field(id, 1) !== 0;
  }

  int8(id: number, fallback = 0): number {
    const at = this.field(id, 1);
    return at ? this.file.bb.readInt8(at) : fallback;
  }

  uint8(id: number, fallback = 0): number {
    const at = this.field(id, 1);
    return at ? this.file.bb.readUint8(at) : fallback;
  }

  bool(id: number, fallback = false): boolean {
    const at = this.field(id, 1);
    return at ? this.file.bb.readUint8(at) !== 0 : fallback;
  }

  int32(id: number, fallback = 0): number {
    const at = this.field(id, 4);
    return at ? this.file.bb.readInt32(at) : fallback;
  }

  uint32(id: number, fallback = 0): number {
    const at = this.field(id, 4);
    return at ? this.file.bb.readUint32(at) : fallback;
  }

  float32(id: number, fallback = 0): number {
    const at = this.field(id, 4);
    return at ? this.file.bb.readFloat32(at) : fallback;
  }

  /** A 64-bit unsigned field as a number (file offsets and sizes: exact below 2^53). */
  uint64(id: number, fallback = 0): number {
    const at = this.field(id, 8);
    return at ? Number(this.file.bb.readUint64(at)) : fallback;
  }

  private target(id: number, what: string): number {
    const at = this.field(id, 4);
    if (!at) return 0;
    const to = at + this.file.bb.readUint32(at);
    this.file.check(to, 4, what);
    return to;
  }

  table(id: number, what: string): Table | undefined {
    const to = this.target(id, what);
    return to ? new Table(this.file, to, what) : undefined;
  }

  /** A vector's element range, checked to lie inside the file. */
  vector(id: number, elementSize: number, what: string): VectorRef | undefined {
    const to = this.target(id, what);
    if (!to) return undefined;
    const length = this.file.bb.readUint32(to);
    this.file.check(to + 4, length * elementSize, what);
    return { start: to + 4, length };
  }

  string(id: number, what: string): string | undefined {
    const v = this.vector(id, 1, what);
    return v ? new TextDecoder().decode(this.file.bytes.subarray(v.start, v.start + v.length)) : undefined;
  }

  bytes(id: number, what: string): Uint8Array | undefined {
    const v = this.vector(id, 1, what);
    return v ? this.file.bytes.subarray(v.start, v.start + v.length) : undefined;
  }

  int32s(id: number, what: string): number[] {
    const v = this.vector(id, 4, what);
    return v ? Array.from({ length: v.length }, (_, i) => this.file.bb.readInt32(v.start + 4 * i)) : [];
  }

  float32s(id: number, what: string): number[] {
    const v = this.vector(id, 4, what);
    return v ? Array.from({ length: v.length }, (_, i) => this.file.bb.readFloat32(v.start + 4 * i)) : [];
  }

  int64s(id: number, what: string): number[] {
    const v = this.vector(id, 8, what);
    return v ? Array.from({ length: v.length }, (_, i) => Number(this.file.bb.readInt64(v.start + 8 * i))) : [];
  }

  /** A vector of tables; `what(i)` names element i in errors. */
  tables(id: number, what: (i: number) => string): Table[] {
    const v = this.vector(id, 4, what(-1));
    if (!v) return [];
    return Array.from({ length: v.length }, (_, i) => {
      const at = v.start + 4 * i;
      return new Table(this.file, at + this.file.bb.readUint32(at), what(i));
    });
  }
}
