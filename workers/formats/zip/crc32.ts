const TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/**
 * CRC-32 (ISO 3309) of bytes[start … end), as zip stores it for every entry and PNG for every chunk;
 * `before`: the CRC of bytes that come before these (a chunk's type, then its body held apart).
 */
export function crc32(data: Uint8Array, start = 0, end = data.length, before = 0): number {
  let c = before ^ -1;
  for (let i = start; i < end; i++) c = TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
