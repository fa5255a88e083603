/**
 * A PNG encoder for 8-bit RGBA images (colour type 6, no interlace, filter 0 on every row),
 * deflated with fflate. Pure: the same bytes in Node and in the browser.
 */
import { zlibSync } from 'fflate';
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

export function encodePng(image: RgbaPixels): Uint8Array {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE) {
    throw new Error(`cannot encode a ${width} × ${height} PNG`);
  }
  if (data.length !== width * height * 4) throw new Error(`PNG data holds ${data.length} bytes, not ${width} × ${height} × 4`);
  const stride = width * 4;
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0;
    raw.set(data.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  const header = new Uint8Array(13);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const parts = [Uint8Array.from(SIGNATURE), chunk('IHDR', header), chunk('IDAT', zlibSync(raw, { level: 6 })), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
