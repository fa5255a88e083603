/**
 * One-off measurement behind issue 9's choice of kernel (bench/RESULTS.md, "Why our own
 * WebAssembly kernel"): ONNX Runtime, native (onnxruntime-node) and WebAssembly SIMD
 * (onnxruntime-web, the build a browser worker would run), one thread each, against the
 * engine's WebAssembly SIMD GEMM and its transposed convolution (a conv layer's reversal),
 * on shapes a gallery runs. Not a project dependency; in a scratch DIR:
 *   npm install --ignore-scripts onnxruntime-node onnxruntime-web && python3 bench/ort_models.py DIR
 *   npx esbuild bench/ort-compare.ts --bundle --platform=node --format=esm --outfile=DIR/ort-compare.mjs
 *   node DIR/ort-compare.mjs DIR
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Graph } from '../workers/engine/graph';
import { gemm } from '../workers/engine/kernels/gemm';
import { prepare } from '../workers/engine/prepare';
import { reverseSeeds } from '../workers/engine/reverse';
import { floatTensor } from '../workers/engine/tensor';

interface OrtTensor { readonly data: Float32Array }
interface OrtSession { run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensor>> }
interface Ort {
  InferenceSession: { create(path: string, options: object): Promise<OrtSession> };
  Tensor: new (type: string, data: Float32Array, dims: number[]) => unknown;
}

const dir = process.argv[2];
const native = createRequire(join(dir, 'package.json'))('onnxruntime-node') as Ort;
const web = createRequire(join(dir, 'package.json'))('onnxruntime-web') as Ort & { env: { wasm: { numThreads: number; simd: boolean } } };
web.env.wasm.numThreads = 1;
web.env.wasm.simd = true;

async function ortSeconds(ort: Ort, file: string, feeds: (ort: Ort) => Record<string, unknown>, options: object): Promise<number> {
  const session = await ort.InferenceSession.create(join(dir, file), options);
  const feed = feeds(ort);
  return time(() => session.run(feed));
}

const NATIVE = { intraOpNumThreads: 1, interOpNumThreads: 1 };
const WEB = { executionProviders: ['wasm'] };

function random(n: number): Float32Array {
  return Float32Array.from({ length: n }, () => Math.random() - 0.5);
}

async function time(f: () => unknown, reps = 5): Promise<number> {
  await f();
  const t = performance.now();
  for (let r = 0; r < reps; r++) await f();
  return (performance.now() - t) / 1000 / reps;
}

async function main(): Promise<void> {
  console.log('| product (one thread) | ONNX Runtime native GFLOP/s | ONNX Runtime Web (wasm SIMD) GFLOP/s | Neurovis wasm SIMD GFLOP/s |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const [m, n, k] of [[2304, 2048, 512], [4608, 64, 512], [1024, 784, 1024]]) {
    const a = random(m * k);
    const b = random(k * n);
    const c = new Float32Array(m * n);
    const file = `mm_${m}_${n}_${k}.onnx`;
    const feeds = (ort: Ort): Record<string, unknown> => ({ A: new ort.Tensor('float32', a, [m, k]) });
    const tNative = await ortSeconds(native, file, feeds, NATIVE);
    const tWeb = await ortSeconds(web, file, feeds, WEB);
    const tOurs = await time(() => gemm({ m, n, k, a, b, c, constantB: true }));
    const gf = (t: number): string => ((2 * m * n * k) / t / 1e9).toFixed(1);
    console.log(`| GEMM ${m}×${k}·${k}×${n} | ${gf(tNative)} | ${gf(tWeb)} | ${gf(tOurs)} |`);
  }
  for (const [batch, cin, cout, h] of [[16, 256, 256, 8], [16, 128, 128, 16]]) {
    const gy = random(batch * cout * h * h);
    const file = `ct_${batch}_${cin}_${cout}_${h}.onnx`;
    const feeds = (ort: Ort): Record<string, unknown> => ({ Y: new ort.Tensor('float32', gy, [batch, cout, h, h]) });
    const graph: Graph = {
      inputs: [{ name: 'x', dims: [1, cin, h, h], dtype: 'float32' }],
      outputs: ['y'],
      initializers: new Map([['W', floatTensor([cout, cin, 3, 3], random(cout * cin * 9))]]),
      nodes: [{ name: 'y', opType: 'Conv', inputs: ['x', 'W'], outputs: ['y'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } }],
      source: { format: 'onnx', fileName: 'conv' },
      hasBatchDim: true,
      channelAxis: 'first',
    };
    const model = prepare(graph);
    const tNative = await ortSeconds(native, file, feeds, NATIVE);
    const tWeb = await ortSeconds(web, file, feeds, WEB);
    const tOurs = await time(() => reverseSeeds(model, 'y', gy, batch, 'exact'));
    const gf = (t: number): string => ((2 * batch * cout * cin * 9 * h * h) / t / 1e9).toFixed(1);
    console.log(`| ConvTranspose 3×3, ${batch} seeds, ${cout}→${cin} channels, ${h}×${h} | ${gf(tNative)} | ${gf(tWeb)} | ${gf(tOurs)} |`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
