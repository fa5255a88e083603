import { gemm } from '../workers/engine/kernels/gemm';
import { wasmGemm, wasmScratchStart } from '../workers/engine/kernels/gemm-wasm';
import { reserveWasm } from '../workers/engine/kernels/wasm-module';

/**
 * `npm run bench -- --kernels` (or `--kernels 96x16x576,…`): single-thread GFLOP/s of the
 * dense GEMM on the shapes the galleries call (M×N×K: C[M×N] = A[M×K]·B[K×N], A the layer's
 * weights), through the engine's entry point (weights resident, bias and clamp applied, C
 * written back) and of the bare WebAssembly kernel on operands already in its memory, with a
 * large square as the kernel's peak. CPU time (process.cpuUsage), so other processes on the
 * machine count less than in wall time.
 */

/**
 * Shapes logged from the ReLU6 MobileNetV2-64 surrogate gallery (forward checks: 1×1 convs
 * on 16×16 … 2×2 planes, im2col'ed 3×3 convs) and the readable ascent on ResNet-8 CIFAR
 * (8×8 stage, pooled dense layer), most multiply–adds first, then the peak's square.
 */
export const KERNEL_SHAPES = [
  '24x256x144', '144x256x24', '96x16x576', '576x256x96', '576x16x96', '64x16x384', '32x64x192', '384x16x64',
  '192x64x32', '160x4x960', '576x4x160', '1280x4x320', '960x4x160', '160x4x960',
  '512x512x512',
];

export interface KernelTiming {
  shape: string;
  /** GFLOP/s through gemm() (copies, epilogue, call overhead included). */
  api: number;
  /** GFLOP/s of the WebAssembly kernel alone. */
  kernel: number;
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Repeats `f` until it has taken `seconds` of CPU; returns the calls per second. */
function rate(f: () => void, seconds: number): number {
  f();
  let calls = 0;
  const t0 = cpuSeconds();
  let t = t0;
  while (t - t0 < seconds) {
    for (let i = 0; i < 8; i++) f();
    calls += 8;
    t = cpuSeconds();
  }
  return calls / (t - t0);
}

function random(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let s = seed;
  for (let i = 0; i < length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

export function benchKernels(shapes: string[], seconds = 0.3): KernelTiming[] {
  const w = wasmGemm();
  return shapes.map((shape) => {
    const [m, n, k] = shape.split('x').map(Number);
    const flops = 2 * m * n * k;
    const a = random(m * k, 1);
    const b = random(k * n, 2);
    const c = new Float32Array(m * n);
    const bias = random(m, 3);
    const epilogue = { bias, clamp: { min: 0, max: 6 } };
    const api = (flops * rate(() => gemm({ m, n, k, a, b, c, constantA: true, epilogue }), seconds)) / 1e9;
    let kernel = NaN;
    if (w) {
      const at = wasmScratchStart(w) + (1 << 20);
      reserveWasm(w.memory, at + 4 * (m * k + k * n + m * n));
      const heap = new Float32Array(w.memory.buffer);
      heap.set(a, at >> 2);
      heap.set(b, (at >> 2) + m * k);
      kernel = (flops * rate(() => w.gemm(m, n, k, at, at + 4 * m * k, at + 4 * (m * k + k * n), 0), seconds)) / 1e9;
    }
    return { shape, api, kernel };
  });
}

export function formatKernelBench(rows: KernelTiming[]): string {
  const lines = ['| M×N×K | gemm() GFLOP/s | kernel GFLOP/s |', '| --- | ---: | ---: |'];
  for (const r of rows) lines.push(`| ${r.shape} | ${r.api.toFixed(1)} | ${r.kernel.toFixed(1)} |`);
  return lines.join('\n');
}
