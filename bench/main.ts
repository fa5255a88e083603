import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { zipSync } from 'fflate';
import { allNeurons, computeNeurons, type GallerySettings } from '../workers/engine/compute';
import { ancestorsOf } from '../workers/engine/forward';
import { withOptimised } from '../workers/engine/optimise';
import { defaultNodePoolSize } from '../workers/pool/node';
import { prepare, type LayerInfo, type PreparedModel } from '../workers/engine/prepare';
import { sizeOf } from '../workers/engine/tensor';
import { encodeNpy } from '../workers/formats/numpy/npy';
import { BENCH_MODELS, type BenchModel } from './models';
import { benchBrowser, formatBrowserBench } from './browser';
import { benchPool, formatPoolBench, timeGallery } from './pool';
import { benchReal, formatRealBench } from './real';
import { benchKernels, formatKernelBench, KERNEL_SHAPES } from './kernels';

/**
 * `npm run bench`: full-gallery time (every neuron of every layer) of the benchmark models:
 * the reference engine (TypeScript kernels, full maps, one thread), the default
 * configuration (optimised engine on the worker pool, one worker per core, as the CLI runs
 * it) and, where python3-torch is installed, PyTorch in the same run.
 * Options: --models mlp,lenet5,vgg,resnet18  --budget SECONDS (reference engine, per layer before sampling)
 *          --pool-models mlp,lenet5,vgg:5 (worker pool with 1 and 2 workers; NAME:K = first K layers; 'none' to skip)
 *          --browser mlp,lenet5,vgg:5,vgg (Chromium against Node on the same gallery; FILE.onnx:MODE[:N] a model file,
 *                 the first N neurons of each layer, files from one folder; 'none' to skip)
 *          --real mobilenetv2-64-linear:exact,FILE.onnx:surrogate,mobilenetv2-224-relu6:surrogate:16 (real networks
 *                 through the CLI, NAME:MODE[:first N neurons of each layer]: bench/real.ts; MODE readable: the
 *                 readable ascent, 256 steps; 'none' to skip)
 *          --kernels [96x16x576,…] (only the GEMM microbenchmark, one thread, printed: bench/kernels.ts)
 *          --out FILE (default bench/RESULTS.md)
 */
interface LayerTiming {
  id: string;
  neurons: number;
  flops: number;
  seconds: number;
  sampled: number | null;
}

interface ModelResult {
  name: string;
  /** The reference engine, one thread. */
  layers: LayerTiming[];
  /** The default configuration: optimised engine on the pool, the whole gallery. */
  optimised: { seconds: number; workers: number };
  torch?: { batched: number; perNeuron: number; perNeuronSampled: boolean; version: string };
}

/** Galleries with fewer neurons are timed after a warm-up run of the whole gallery, longer ones after one layer. */
const WARM_WHOLE_BELOW = 5000;

/**
 * Real networks timed by default (bench/real.ts): the 224-pixel MobileNetV2 on the first 16
 * neurons of each layer (its full gallery is long: ask for it with --real), the shared real
 * trained MobileNet (Coral's TFLite v1 0.25 at 128 pixels) and the readable ascent (256 steps)
 * on the shared CIFAR-10 ResNet-8, first 4 neurons of each layer (shared models are skipped,
 * saying so, without ../shared).
 */
const DEFAULT_REAL = [
  'mobilenetv2-64-linear:exact',
  'mobilenetv2-64-relu6:surrogate',
  'mobilenetv2-64-relu6:guided',
  'resnet18-112-linear:exact',
  'mobilenetv2-224-relu6:surrogate:16',
  '../shared/models/tflite/coral_mobilenet_v1_0.25_128_uint8.tflite:surrogate',
  '../shared/models/keras/keras2.4_mlcommons_resnet8_cifar10.h5:readable:4',
].join(',');

const SETTINGS: GallerySettings = { mode: 'exact', objective: { kind: 'neuron' }, radius: 1 };

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** FLOPs of one dense reversal of a layer: 2 per multiply–accumulate of every op behind it, per neuron. */
function layerFlops(model: PreparedModel, bench: BenchModel, layer: LayerInfo): number {
  let macs = 0;
  for (const v of ancestorsOf(model, layer.id)) macs += bench.macs.get(v.node.name) ?? 0;
  return 2 * macs * layer.neurons;
}

/** The reference engine's time for a whole layer (sampled and scaled when over the budget). */
function timeLayer(model: PreparedModel, layer: LayerInfo, budgetSeconds: number): { seconds: number; sampled: number | null } {
  return withOptimised(false, () => timeLayerNow(model, layer, budgetSeconds));
}

function timeLayerNow(model: PreparedModel, layer: LayerInfo, budgetSeconds: number): { seconds: number; sampled: number | null } {
  const neurons = allNeurons(model, layer.id, SETTINGS.objective);
  const probe = neurons.slice(0, Math.min(neurons.length, 4));
  let t0 = performance.now();
  computeNeurons(model, layer.id, probe, SETTINGS);
  const probeSeconds = (performance.now() - t0) / 1000;
  const estimate = (probeSeconds * neurons.length) / probe.length;
  if (estimate <= budgetSeconds) {
    t0 = performance.now();
    computeNeurons(model, layer.id, neurons, SETTINGS);
    return { seconds: (performance.now() - t0) / 1000, sampled: null };
  }
  // Too long to run whole here: time an evenly spread sample and scale to the layer.
  const count = Math.max(probe.length, Math.min(neurons.length, Math.floor((budgetSeconds / probeSeconds) * probe.length)));
  const sample = Array.from({ length: count }, (_, i) => neurons[Math.round((i * (neurons.length - 1)) / Math.max(1, count - 1))]);
  t0 = performance.now();
  computeNeurons(model, layer.id, sample, SETTINGS);
  return { seconds: ((performance.now() - t0) / 1000) * (neurons.length / sample.length), sampled: sample.length };
}

function torchAvailable(): string | null {
  const r = spawnSync('/usr/bin/python3', ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function runTorch(model: PreparedModel, bench: BenchModel): ModelResult['torch'] {
  const dir = mkdtempSync(join(tmpdir(), 'neurovis-bench-'));
  try {
    const spec = {
      inputShape: model.inputFeatureShape,
      nodes: bench.graph.nodes,
      layers: model.layers.map((l) => ({
        id: l.id,
        featureShape: l.featureShape,
        neurons: l.neurons,
        maxActivation: Math.max(...ancestorsOf(model, l.id).flatMap((v) => v.outputShapes.map((s) => sizeOf(s)))),
      })),
    };
    writeFileSync(join(dir, 'model.json'), JSON.stringify(spec));
    const members: Record<string, Uint8Array> = {};
    for (const [name, t] of bench.graph.initializers) members[`${name}.npy`] = encodeNpy(t.shape, t.data as Float32Array);
    writeFileSync(join(dir, 'weights.npz'), zipSync(members, { level: 0 }));
    const out = execFileSync('/usr/bin/python3', [join(dirname(process.argv[1]), '..', '..', 'bench', 'pytorch_bench.py'), dir, '--threads', String(cpus().length)], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    const r = JSON.parse(out) as { torch: string; layers: { batched: number; perNeuron: number; perNeuronSampled: boolean }[] };
    return {
      version: r.torch,
      batched: r.layers.reduce((s, l) => s + l.batched, 0),
      perNeuron: r.layers.reduce((s, l) => s + l.perNeuron, 0),
      perNeuronSampled: r.layers.some((l) => l.perNeuronSampled),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function machine(): string {
  const cpu = cpus();
  return `${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM (${(freemem() / 2 ** 30).toFixed(0)} free), Node ${process.version}`;
}

function fmt(seconds: number): string {
  return seconds < 10 ? `${seconds.toFixed(2)} s` : `${seconds.toFixed(1)} s`;
}

async function main(): Promise<void> {
  if (process.argv.includes('--kernels')) {
    const list = option('--kernels', '');
    const shapes = list.startsWith('--') || list === '' ? KERNEL_SHAPES : list.split(',');
    console.log(formatKernelBench(benchKernels(shapes)));
    return;
  }
  const names = option('--models', 'mlp,lenet5,vgg,resnet18').split(',').filter((n) => n !== '' && n !== 'none');
  const budget = Number(option('--budget', '8'));
  const workers = defaultNodePoolSize();
  const outFile = option('--out', 'bench/RESULTS.md');
  const torchVersion = torchAvailable();
  const results: ModelResult[] = [];
  for (const name of names) {
    const make = BENCH_MODELS[name];
    if (!make) throw new Error(`unknown bench model ${name}`);
    const bench = make();
    const model = prepare(bench.graph);
    const warmAll = model.layers.reduce((n, l) => n + l.neurons, 0) < WARM_WHOLE_BELOW;
    const optimisedSeconds = await timeGallery({ name: bench.name, graph: bench.graph }, workers, SETTINGS, model.layers.map((l) => l.id), undefined, warmAll);
    process.stderr.write(`bench: ${bench.name} optimised, ${workers} workers: ${fmt(optimisedSeconds)}\n`);
    const layers: LayerTiming[] = [];
    for (const layer of model.layers) {
      const t = timeLayer(model, layer, budget);
      layers.push({ id: layer.id, neurons: layer.neurons, flops: layerFlops(model, bench, layer), ...t });
      process.stderr.write(`bench: ${bench.name} reference ${layer.id} ${layer.neurons} neurons ${fmt(t.seconds)}${t.sampled ? ` (scaled from ${t.sampled})` : ''}\n`);
    }
    const result: ModelResult = { name: bench.name, layers, optimised: { seconds: optimisedSeconds, workers } };
    if (torchVersion) {
      result.torch = runTorch(model, bench);
      process.stderr.write(`bench: ${bench.name} PyTorch batched ${fmt(result.torch!.batched)}, per-neuron ${fmt(result.torch!.perNeuron)}\n`);
    }
    results.push(result);
  }
  // NAME or NAME:K (only the first K layers, for models whose full gallery is too long to time twice).
  const poolSpecs = option('--pool-models', 'mlp,lenet5,vgg:5').split(',').filter((n) => n !== '' && n !== 'none');
  const firstLayers = new Map<string, number>();
  const poolModels = poolSpecs.map((spec) => {
    const [n, k] = spec.split(':');
    const m = BENCH_MODELS[n]();
    const name = k ? `${m.name} (first ${k} layers)` : m.name;
    if (k) firstLayers.set(name, Number(k));
    return { name, graph: m.graph };
  });
  const poolReport =
    poolModels.length > 0
      ? await benchPool(poolModels, {
          workers: [1, 2],
          layers: (m, ids) => ids.slice(0, firstLayers.get(m.name) ?? ids.length),
          log: (l) => process.stderr.write(`bench: ${l}\n`),
        })
      : undefined;
  const browserSpecs = option('--browser', 'mlp,lenet5,vgg:5,vgg').split(',').filter((n) => n !== '' && n !== 'none');
  const realSpecs = option('--real', DEFAULT_REAL).split(',').filter((n) => n !== '' && n !== 'none');
  const realRuns = benchReal(realSpecs, (l) => process.stderr.write(`bench: ${l}\n`));
  const browserReport = browserSpecs.length > 0 ? await benchBrowser(browserSpecs, workers, (l) => process.stderr.write(`bench: ${l}\n`)) : undefined;
  const report =
    render(results, torchVersion, workers) +
    (realRuns.length > 0 ? `\n${formatRealBench(realRuns)}` : '') +
    (browserReport ? `\n${formatBrowserBench(browserReport)}` : '') +
    (poolReport ? `\n${formatPoolBench(poolReport)}` : '');
  // Hand-written sections (measurements made once, what the figures say) follow the generated ones.
  const notes = join(dirname(process.argv[1]), '..', '..', 'bench', 'RESULTS-notes.md');
  writeFileSync(outFile, existsSync(notes) ? `${report}\n${readFileSync(notes, 'utf8')}` : report);
  process.stdout.write(report);
}


function render(results: readonly ModelResult[], torchVersion: string | null, workers: number): string {
  const ratio = (a: number, b: number): string => (a / b < 10 ? (a / b).toFixed(2) : (a / b).toFixed(1)) + '×';
  const rows = results.map((r) => {
    const reference = r.layers.reduce((s, l) => s + l.seconds, 0);
    const flops = r.layers.reduce((s, l) => s + l.flops, 0);
    const neurons = r.layers.reduce((s, l) => s + l.neurons, 0);
    const sampled = r.layers.some((l) => l.sampled !== null);
    const optimised = r.optimised.seconds;
    const t = r.torch;
    return [
      r.name,
      String(r.layers.length),
      String(neurons),
      (flops / 1e9).toFixed(1),
      `${fmt(reference)}${sampled ? '*' : ''}`,
      fmt(optimised),
      (flops / 1e9 / optimised).toFixed(1),
      ratio(reference, optimised),
      t ? fmt(t.batched) : '—',
      t ? `${fmt(t.perNeuron)}${t.perNeuronSampled ? '*' : ''}` : '—',
      t ? `**${ratio(optimised, t.batched)}**` : '—',
      t ? ratio(optimised, t.perNeuron) : '—',
    ];
  });
  const header = [
    'model', 'layers', 'neurons', 'GFLOP (dense)', 'reference engine, 1 thread', `optimised, ${workers} workers`, 'optimised GFLOP/s',
    'reference / optimised', 'PyTorch batched', 'PyTorch per-neuron', 'optimised / batched', 'optimised / per-neuron',
  ];
  const table = [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
  return `# Benchmarks

Full gallery = every neuron of every layer, exact mode, neuron objective.

- **reference engine**: the pure TypeScript engine tests trust (TypeScript kernels, every
  reversal over full feature maps), one thread.
- **optimised**: the default configuration, as \`neurovis gallery\` runs it: the worker pool
  with one worker per core, each running the optimised engine (WebAssembly SIMD GEMM, each
  reversal cropped to the seeds' receptive field). It agrees with the reference to 1e-5
  (test/unit/optimised-engine.test.ts). Timed whole on a started pool, after a warm-up run
  at another radius (nothing cached) so the JIT has compiled every path, as PyTorch's kernels
  are compiled ahead of time: of the whole gallery below ${WARM_WHOLE_BELOW} neurons, of the first layer above.
- **PyTorch**: ${torchVersion ? `torch ${torchVersion}, ${cpus().length} threads` : 'not installed (python3-torch)'}, the same architectures and weights (Debian's
  python3-torch with libopenblas0-pthread: without OpenBLAS Debian's torch falls back to the
  reference BLAS at ~2 GFLOP/s, which would flatter us): one batched backward per layer
  (seeds in chunks that fit memory), and a per-neuron autograd loop.

GFLOP counts the dense work (2 × multiply–accumulates of every op behind the layer, per
neuron); GFLOP/s = that ÷ time (cropping does less work, so this can exceed the machine's).
* = timed on an evenly spread sample of each layer's neurons and scaled to the whole layer.

Machine: ${machine()}. Date: ${new Date().toISOString().slice(0, 10)}.

${table}
`;
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
