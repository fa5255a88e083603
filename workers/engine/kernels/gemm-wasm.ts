import { GEMM_WASM_BASE64 } from './gemm-wasm-binary';
import { epilogueInWasm, hasEpilogue, type Epilogue } from './epilogue';
import { instantiateWasm, reserveWasm } from './wasm-module';

/**
 * Host side of the WebAssembly SIMD GEMM (kernels/assembly/gemm.ts). Memory layout, in
 * bytes: [0, PACK) the kernel's packing scratch, then B, then a chunk of A's rows and the
 * same rows of C. Rows go through in chunks so memory stays bounded for any m.
 */
interface GemmModule {
  readonly memory: WebAssembly.Memory;
  readonly gemm: (m: number, n: number, k: number, a: number, b: number, c: number, pack: number) => void;
  readonly biasClamp: Parameters<typeof epilogueInWasm>[0];
  readonly packBytes: number;
}

/** Floats of A and C rows per chunk (16 MB). */
const CHUNK_FLOATS = 1 << 22;

let loaded: GemmModule | null | undefined;
let calls = 0;

/** How many products the WebAssembly kernel has computed (tests check the optimised path ran). */
export function wasmGemmCalls(): number {
  return calls;
}

/** The compiled kernel, or null where WebAssembly SIMD is unavailable (or a CSP forbids compiling it). */
export function wasmGemm(): GemmModule | null {
  if (loaded !== undefined) return loaded;
  const exports = instantiateWasm(GEMM_WASM_BASE64) as { memory: WebAssembly.Memory; gemm: GemmModule['gemm']; biasClamp: GemmModule['biasClamp']; PACK_BYTES: WebAssembly.Global } | null;
  loaded = exports && { memory: exports.memory, gemm: exports.gemm, biasClamp: exports.biasClamp, packBytes: Number(exports.PACK_BYTES.value) };
  return loaded;
}

function reserve(w: GemmModule, bytes: number): void {
  reserveWasm(w.memory, bytes);
}

/**
 * Constant operands (weights) stay in WebAssembly memory between calls, in a region after the
 * packing scratch: [packBytes, packBytes + residentTop). When it would pass RESIDENT_BYTES it
 * is emptied and refilled; the per-call scratch follows it.
 */
const RESIDENT_BYTES = 64 << 20;
let resident = new WeakMap<Float32Array, { offset: number; length: number; at: number }[]>();
let residentTop = 0;

function residentCopy(w: GemmModule, src: Float32Array, offset: number, length: number): number | null {
  const bytes = (4 * length + 15) & ~15;
  if (bytes > RESIDENT_BYTES / 4) return null;
  const list = resident.get(src);
  const hit = list?.find((e) => e.offset === offset && e.length === length);
  if (hit) return hit.at;
  if (residentTop + bytes > RESIDENT_BYTES) {
    resident = new WeakMap();
    residentTop = 0;
  }
  const at = w.packBytes + residentTop;
  reserve(w, at + bytes);
  new Float32Array(w.memory.buffer).set(src.subarray(offset, offset + length), at >> 2);
  residentTop += bytes;
  const entry = { offset, length, at };
  if (list) list.push(entry);
  else resident.set(src, [entry]);
  return at;
}

/** The first byte of WebAssembly memory free for a caller's own operands (after the packing scratch and the resident weights). */
export function wasmScratchStart(w: GemmModule): number {
  return w.packBytes + residentTop;
}

export interface WasmOperands {
  /** A is constant and every row of it is listed (0 … m−1): keep it resident. */
  readonly wholeA: boolean;
  /** B is constant: keep it resident. */
  readonly wholeB: boolean;
  /** C's listed rows start from zero (C = A·B): C is not read. */
  readonly overwrite?: boolean;
  /** Applied to each listed row of C after its product; row i takes the bias at index i. */
  readonly epilogue?: Epilogue;
}

/**
 * C[rows[i]] += A[rows[i]] · B for the `count` listed rows (A m×k, B k×n, C m×n, row-major
 * at the given offsets), or = with `overwrite`; then the epilogue. Returns false, doing
 * nothing, when the kernel is unavailable.
 */
export function gemmRowsWasm(
  rows: Int32Array, count: number, n: number, k: number,
  a: Float32Array, aOff: number, b: Float32Array, bOff: number, c: Float32Array, cOff: number,
  operands: WasmOperands = { wholeA: false, wholeB: false },
): boolean {
  const w = wasmGemm();
  if (!w) return false;
  const chunk = Math.max(4, Math.min(count, Math.floor(CHUNK_FLOATS / (k + n)) & ~3));
  let aResident: number | null = null;
  let bResident: number | null = null;
  let scratch: number;
  try {
    aResident = operands.wholeA ? residentCopy(w, a, aOff, count * k) : null;
    bResident = operands.wholeB ? residentCopy(w, b, bOff, k * n) : null;
    // Copying B may have emptied the region A was in: look A up again (a hit, or a fresh copy).
    if (aResident !== null && bResident !== null) aResident = residentCopy(w, a, aOff, count * k);
    scratch = w.packBytes + residentTop;
    reserve(w, scratch + 4 * ((bResident === null ? k * n : 0) + (aResident === null ? chunk * k : 0) + chunk * n + chunk));
  } catch (e) {
    // WebAssembly memory could not grow (memory exhausted): the TypeScript kernel does the product.
    if (e instanceof RangeError) return false;
    throw e;
  }
  calls++;
  const bBase = bResident ?? scratch;
  const aBase = scratch + (bResident === null ? 4 * k * n : 0);
  const cBase = aBase + (aResident === null ? 4 * chunk * k : 0);
  const biasAt = cBase + 4 * chunk * n;
  const after = operands.epilogue && hasEpilogue(operands.epilogue) ? operands.epilogue : undefined;
  const heap = new Float32Array(w.memory.buffer);
  if (bResident === null) heap.set(b.subarray(bOff, bOff + k * n), bBase >> 2);
  for (let r0 = 0; r0 < count; r0 += chunk) {
    const rowsHere = Math.min(chunk, count - r0);
    // Consecutive rows (the usual case: every row of A dense) move as one block: a view and a
    // copy per row cost as much as the product on narrow C (1×1 convs on 2×2 … 4×4 planes).
    const first = rows[r0];
    const block = consecutive(rows, r0, rowsHere);
    if (block) {
      if (aResident === null) heap.set(a.subarray(aOff + first * k, aOff + (first + rowsHere) * k), aBase >> 2);
      if (!operands.overwrite) heap.set(c.subarray(cOff + first * n, cOff + (first + rowsHere) * n), cBase >> 2);
    } else {
      for (let r = 0; r < rowsHere; r++) {
        const row = rows[r0 + r];
        if (aResident === null) heap.set(a.subarray(aOff + row * k, aOff + (row + 1) * k), (aBase >> 2) + r * k);
        if (!operands.overwrite) heap.set(c.subarray(cOff + row * n, cOff + (row + 1) * n), (cBase >> 2) + r * n);
      }
    }
    if (operands.overwrite) heap.fill(0, cBase >> 2, (cBase >> 2) + rowsHere * n);
    w.gemm(rowsHere, n, k, aResident === null ? aBase : aResident + 4 * r0 * k, bBase, cBase, 0);
    if (after) epilogueInWasm(w.biasClamp, heap, cBase, rowsHere, n, after, biasAt, rowsHere, block ? (r) => first + r : (r) => rows[r0 + r]);
    if (block) {
      c.set(heap.subarray(cBase >> 2, (cBase >> 2) + rowsHere * n), cOff + first * n);
      continue;
    }
    for (let r = 0; r < rowsHere; r++) {
      const row = rows[r0 + r];
      c.set(heap.subarray((cBase >> 2) + r * n, (cBase >> 2) + (r + 1) * n), cOff + row * n);
    }
  }
  return true;
}

/** rows[from … from + count) are consecutive integers. */
function consecutive(rows: Int32Array, from: number, count: number): boolean {
  const first = rows[from];
  for (let r = 1; r < count; r++) if (rows[from + r] !== first + r) return false;
  return true;
}
