/** Loading the engine's WebAssembly kernels, which are embedded base64 (build/build-wasm.mjs). */

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const value = new Int8Array(128).fill(-1);
  for (let i = 0; i < alphabet.length; i++) value[alphabet.charCodeAt(i)] = i;
  const clean = text.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < clean.length; i++) {
    acc = (acc << 6) | value[clean.charCodeAt(i)];
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

/** The instance's exports, or null where WebAssembly SIMD is unavailable (or a CSP forbids compiling it). */
export function instantiateWasm(base64: string): Record<string, unknown> | null {
  try {
    return new WebAssembly.Instance(new WebAssembly.Module(decodeBase64(base64)), {}).exports as Record<string, unknown>;
  } catch {
    return null;
  }
}

const PAGE = 65536;

/** Grows `memory` to at least `bytes`. */
export function reserveWasm(memory: WebAssembly.Memory, bytes: number): void {
  const have = memory.buffer.byteLength;
  if (have < bytes) memory.grow(Math.ceil((bytes - have) / PAGE));
}
