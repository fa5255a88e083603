/**
 * A PNG encoder for 8-bit RGBA images (colour type 6, no interlace, filter 0 on every row),
 * deflated with fflate. Pure: the same bytes in Node and in the browser.
 */
import { unzlibSync, zlibSync } from 'fflate';
import { concatBytes } from '../formats/bytes';
import { crc32 } from '../formats/zip/crc32';

export interface RgbaPixels {
  readonly width: number;
  readonly height: number;
  /** width × height × 4 bytes, row-major, straight alpha. */
  readonly data: Uint8Array | Uint8ClampedArray;
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out, 4, 8 + body.length));
  return out;
}

/** PNG's limit on a side is 2³¹ − 1; ours is what fits in memory comfortably. */
const MAX_SIDE = 1 << 16;

function checkSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE) {
    throw new Error(`cannot encode a ${width} × ${height} PNG`);
  }
}

export function encodePng(image: RgbaPixels): Uint8Array {
  const { width, height, data } = image;
  checkSize(width, height);
  if (data.length !== width * height * 4) throw new Error(`PNG data holds ${data.length} bytes, not ${width} × ${height} × 4`);
  const stride = width * 4;
  const raw = new PngRows(width, height);
  for (let y = 0; y < height; y++) raw.bytes.set(data.subarray(y * stride, (y + 1) * stride), raw.rowStart(y));
  return raw.encode();
}

/**
 * The rows of a PNG being drawn (filter byte 0, then the row's RGBA), filled a band at a time:
 * a large sheet is never held both as an image and as these rows (issue 18). encode() gives
 * the same bytes as encodePng of the same pixels.
 */
export class PngRows {
  readonly bytes: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    checkSize(width, height);
    this.bytes = new Uint8Array((width * 4 + 1) * height);
  }

  /** Where row y's pixels start (after its filter byte). */
  rowStart(y: number): number {
    return y * (this.width * 4 + 1) + 1;
  }

  encode(): Uint8Array {
    return concatBytes(this.encodeParts());
  }

  /**
   * The PNG's bytes in parts to be written in order: the compressed pixels (most of a large
   * sheet) are not copied into a chunk and then into the file's bytes.
   */
  encodeParts(): Uint8Array[] {
    const header = new Uint8Array(13);
    const hv = new DataView(header.buffer);
    hv.setUint32(0, this.width);
    hv.setUint32(4, this.height);
    header[8] = 8; // bit depth
    header[9] = 6; // RGBA
    const pixels = zlibSync(this.bytes, { level: 6 });
    const idat = new Uint8Array(8);
    const view = new DataView(idat.buffer);
    view.setUint32(0, pixels.length);
    for (let i = 0; i < 4; i++) idat[4 + i] = 'IDAT'.charCodeAt(i);
    const crc = new Uint8Array(4);
    new DataView(crc.buffer).setUint32(0, crc32(pixels, 0, pixels.length, crc32(idat, 4, 8)));
    return [concatBytes([Uint8Array.from(SIGNATURE), chunk('IHDR', header), idat]), pixels, concatBytes([crc, chunk('IEND', new Uint8Array(0))])];
  }
}

/**
 * The pixels of a PNG that encodePng wrote (RGBA, filter 0 on every row, one IDAT): per-neuron
 * PNGs read back to draw their sheet. Anything else is an error.
 */
export function decodeOwnPng(bytes: Uint8Array, name: string): RgbaPixels & { readonly data: Uint8ClampedArray } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (why: string): Error => new Error(`${name}: not a PNG Neurovis wrote (${why})`);
  if (bytes.length < 57 || SIGNATURE.some((b, i) => bytes[i] !== b)) throw bad('no PNG signature');
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  if (bytes[24] !== 8 || bytes[25] !== 6 || bytes[28] !== 0) throw bad('not 8-bit RGBA, non-interlaced');
  const length = view.getUint32(33);
  if (String.fromCharCode(...bytes.subarray(37, 41)) !== 'IDAT' || 41 + length > bytes.length) throw bad('no single IDAT chunk');
  const raw = unzlibSync(bytes.subarray(41, 41 + length));
  const stride = width * 4;
  if (raw.length !== (stride + 1) * height) throw bad('wrong pixel data size');
  const data = new Uint8ClampedArray(stride * height);
  for (let y = 0; y < height; y++) {
    if (raw[y * (stride + 1)] !== 0) throw bad('a row filter other than none');
    data.set(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)), y * stride);
  }
  return { width, height, data };
}
