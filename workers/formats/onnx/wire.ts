import { ModelError } from '../../engine/graph';

/**
 * The protobuf wire format (https://protobuf.dev/programming-guides/encoding/), read in
 * place: a cursor over the file's bytes that checks every length against what remains
 * before using it, so a truncated or lying file fails here instead of allocating.
 */
export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH = 2;
export const WIRE_FIXED32 = 5;

const TWO_32 = 4294967296;

/** A byte range [start, end) of the file. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

export class WireReader {
  pos: number;
  private view: DataView | undefined;

  constructor(
    readonly bytes: Uint8Array,
    start: number,
    readonly end: number,
    /** The file name every error message starts with. */
    readonly fileName: string,
  ) {
    this.pos = start;
  }

  static whole(bytes: Uint8Array, fileName: string): WireReader {
    return new WireReader(bytes, 0, bytes.length, fileName);
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  fail(problem: string, at = this.pos): ModelError {
    return new ModelError(`${this.fileName}: not a valid ONNX file (truncated or corrupt): ${problem} at byte ${at}`);
  }

  /** A field key: field number << 3 | wire type. */
  tag(): number {
    const at = this.pos;
    const key = this.uint32();
    if (key >>> 3 === 0) throw this.fail('field number 0', at);
    return key;
  }

  /** An unsigned varint that fits in 32 bits (tags, lengths, enums); larger values are refused. */
  uint32(): number {
    const bytes = this.bytes;
    let pos = this.pos;
    if (pos < this.end && bytes[pos] < 0x80) {
      this.pos = pos + 1;
      return bytes[pos];
    }
    const at = pos;
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos >= this.end) throw this.fail('a varint runs past the end', at);
      const b = bytes[pos++];
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) {
        this.pos = pos;
        if (value >= TWO_32) throw this.fail('a 32-bit varint is too large', at);
        return value;
      }
    }
    throw this.fail('a 32-bit varint is too long', at);
  }

  /** A varint read as a two's-complement int64 (also int32 fields, which protobuf sign-extends). */
  int64(): number {
    return this.varint64(true);
  }

  uint64(): number {
    return this.varint64(false);
  }

  private varint64(signed: boolean): number {
    const bytes = this.bytes;
    const at = this.pos;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    let b = 0;
    let done = false;
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= this.end) throw this.fail('a varint runs past the end', at);
      b = bytes[pos++];
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) {
        done = true;
        break;
      }
    }
    if (!done) {
      if (pos >= this.end) throw this.fail('a varint runs past the end', at);
      b = bytes[pos++];
      lo |= (b & 0x0f) << 28;
      hi = (b & 0x70) >> 4;
      done = b < 0x80;
      for (let shift = 3; !done && shift < 38; shift += 7) {
        if (pos >= this.end) throw this.fail('a varint runs past the end', at);
        b = bytes[pos++];
        hi |= (b & 0x7f) << shift;
        done = b < 0x80;
      }
      if (!done) throw this.fail('a varint is longer than 10 bytes', at);
    }
    this.pos = pos;
    if (signed && hi & 0x80000000) {
      // Negate the 64-bit two's complement: -(~v + 1).
      const nlo = (~lo + 1) >>> 0;
      const nhi = (~hi + (nlo === 0 ? 1 : 0)) >>> 0;
      return -(nhi * TWO_32 + nlo);
    }
    return (hi >>> 0) * TWO_32 + (lo >>> 0);
  }

  float32(): number {
    const at = this.need(4);
    return this.dataView().getFloat32(at, true);
  }

  float64(): number {
    const at = this.need(8);
    return this.dataView().getFloat64(at, true);
  }

  /** The span of a length-delimited field's payload; the cursor moves past it. */
  span(): Span {
    const at = this.pos;
    const length = this.uint32();
    if (length > this.end - this.pos) {
      throw this.fail(`a field declares ${length} bytes but only ${this.end - this.pos} remain`, at);
    }
    const start = this.pos;
    this.pos += length;
    return { start, end: this.pos };
  }

  /** A reader over a length-delimited field's payload (a nested message). */
  message(): WireReader {
    const { start, end } = this.span();
    return new WireReader(this.bytes, start, end, this.fileName);
  }

  bytesField(): Uint8Array {
    const { start, end } = this.span();
    return this.bytes.subarray(start, end);
  }

  string(): string {
    const { start, end } = this.span();
    return decodeUtf8(this.bytes, start, end);
  }

  /** Skips a field whose key was just read. */
  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint64(false);
        return;
      case WIRE_FIXED64:
        this.need(8);
        return;
      case WIRE_LENGTH:
        this.span();
        return;
      case WIRE_FIXED32:
        this.need(4);
        return;
      default:
        // Groups (3, 4) are long deprecated and ONNX never used them.
        throw this.fail(`unknown wire type ${wireType}`, this.pos - 1);
    }
  }

  /**
   * The span holding the values of a repeated scalar field, packed or not: an unpacked
   * element's bytes are exactly a one-element packed run.
   */
  scalarRun(wireType: number, elementWire: number): Span {
    if (wireType === WIRE_LENGTH) return this.span();
    if (wireType !== elementWire) throw this.fail(`wire type ${wireType} where ${elementWire} was expected`, this.pos - 1);
    const start = this.pos;
    this.skip(wireType);
    return { start, end: this.pos };
  }

  /** Appends the values of a repeated int64 field (packed or not) to `into`. */
  int64s(wireType: number, into: number[]): void {
    const run = this.scalarRun(wireType, WIRE_VARINT);
    const values = new WireReader(this.bytes, run.start, run.end, this.fileName);
    while (!values.done()) into.push(values.int64());
  }

  private need(n: number): number {
    const at = this.pos;
    if (n > this.end - at) throw this.fail(`${n} bytes needed, ${this.end - at} remain`, at);
    this.pos += n;
    return at;
  }

  private dataView(): DataView {
    this.view ??= new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    return this.view;
  }
}

/** UTF-8 without TextDecoder (the engine layer has no DOM or Node typings). Bad sequences become U+FFFD. */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  let ascii = true;
  for (let i = start; i < end; i++) {
    if (bytes[i] >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    let s = '';
    for (let i = start; i < end; i += 4096) s += String.fromCharCode(...bytes.subarray(i, Math.min(end, i + 4096)));
    return s;
  }
  const codes: number[] = [];
  let i = start;
  while (i < end) {
    const b = bytes[i++];
    let code = 0xfffd;
    let extra = 0;
    let min = 0;
    if (b < 0x80) {
      code = b;
    } else if (b >= 0xc2 && b < 0xe0) {
      code = b & 0x1f;
      extra = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b < 0xf0) {
      code = b & 0x0f;
      extra = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b < 0xf5) {
      code = b & 0x07;
      extra = 3;
      min = 0x10000;
    }
    if (extra > 0) {
      let ok = i + extra <= end;
      for (let k = 0; ok && k < extra; k++) {
        const c = bytes[i + k];
        if ((c & 0xc0) !== 0x80) ok = false;
        else code = (code << 6) | (c & 0x3f);
      }
      if (ok && code >= min && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff)) {
        i += extra;
      } else {
        code = 0xfffd;
      }
    }
    codes.push(code);
  }
  let s = '';
  for (let k = 0; k < codes.length; k += 4096) s += String.fromCodePoint(...codes.slice(k, k + 4096));
  return s;
}
