/** IEEE 754 binary16 and bfloat16 bit patterns to float32 values. */

let halfTable: Float32Array | undefined;

/** All 65,536 float16 values, built once (256 KB): a lookup beats bit twiddling per weight. */
function table(): Float32Array {
  if (halfTable) return halfTable;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) t[h] = halfBitsToNumber(h);
  halfTable = t;
  return t;
}

function halfBitsToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** Converts `count` float16 values read by `bitsAt(i)` into a new Float32Array. */
export function halfToFloat32(count: number, bitsAt: (i: number) => number): Float32Array {
  const t = table();
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = t[bitsAt(i) & 0xffff];
  return out;
}

/** bfloat16 is the upper half of a float32. */
export function bfloat16ToFloat32(count: number, bitsAt: (i: number) => number): Float32Array {
  const out = new Float32Array(count);
  const words = new Uint32Array(out.buffer);
  for (let i = 0; i < count; i++) words[i] = (bitsAt(i) & 0xffff) << 16;
  return out;
}
