import { GEMM_WASM_BASE64 } from './gemm-wasm-binary';

/**
 * Host side of the WebAssembly SIMD GEMM (kernels/assembly/gemm.ts). Memory layout, in
 * bytes: [0, PACK) the kernel's packing scratch, then B, then a chunk of A's rows and the
 * same rows of C. Rows go through in chunks so memory stays bounded for any m.
 */
interface GemmModule {
  readonly memory: WebAssembly.Memory;
  readonly gemm: (m: number, n: number, k: number, a: number, b: number, c: number, pack: number) => void;
  readonly packBytes: number;
}

/** Floats of A and C rows per chunk (16 MB). */
const CHUNK_FLOATS = 1 << 22;
const PAGE = 65536;

let loaded: GemmModule | null | undefined;
let calls = 0;

/** How many products the WebAssembly kernel has computed (tests check the optimised path ran). */
export function wasmGemmCalls(): number {
  return calls;
}

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

/** The compiled kernel, or null where WebAssembly SIMD is unavailable (or a CSP forbids compiling it). */
export function wasmGemm(): GemmModule | null {
  if (loaded !== undefined) return loaded;
  try {
    const module = new WebAssembly.Module(decodeBase64(GEMM_WASM_BASE64));
    const exports = new WebAssembly.Instance(module, {}).exports as {
      memory: WebAssembly.Memory;
      gemm: GemmModule['gemm'];
      PACK_BYTES: WebAssembly.Global;
    };
    loaded = { memory: exports.memory, gemm: exports.gemm, packBytes: Number(exports.PACK_BYTES.value) };
  } catch {
    loaded = null;
  }
  return loaded;
}

function reserve(w: GemmModule, bytes: number): void {
  const have = w.memory.buffer.byteLength;
  if (have < bytes) w.memory.grow(Math.ceil((bytes - have) / PAGE));
}

/**
 * C[rows[i]] += A[rows[i]] · B for the `count` listed rows (A m×k, B k×n, C m×n, row-major
 * at the given offsets). Returns false, doing nothing, when the kernel is unavailable.
 */
export function gemmRowsWasm(
  rows: Int32Array, count: number, n: number, k: number,
  a: Float32Array, aOff: number, b: Float32Array, bOff: number, c: Float32Array, cOff: number,
): boolean {
  const w = wasmGemm();
  if (!w) return false;
  calls++;
  const chunk = Math.max(4, Math.min(count, Math.floor(CHUNK_FLOATS / (k + n)) & ~3));
  const bBase = w.packBytes;
  const aBase = bBase + 4 * k * n;
  const cBase = aBase + 4 * chunk * k;
  reserve(w, cBase + 4 * chunk * n);
  const heap = new Float32Array(w.memory.buffer);
  heap.set(b.subarray(bOff, bOff + k * n), bBase >> 2);
  for (let r0 = 0; r0 < count; r0 += chunk) {
    const rowsHere = Math.min(chunk, count - r0);
    for (let r = 0; r < rowsHere; r++) {
      const row = rows[r0 + r];
      heap.set(a.subarray(aOff + row * k, aOff + (row + 1) * k), (aBase >> 2) + r * k);
      heap.set(c.subarray(cOff + row * n, cOff + (row + 1) * n), (cBase >> 2) + r * n);
    }
    w.gemm(rowsHere, n, k, aBase, bBase, cBase, 0);
    for (let r = 0; r < rowsHere; r++) {
      const row = rows[r0 + r];
      c.set(heap.subarray((cBase >> 2) + r * n, (cBase >> 2) + (r + 1) * n), cOff + row * n);
    }
  }
  return true;
}
