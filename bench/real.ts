import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { ancestorsOf } from '../workers/engine/forward';
import { prepare, type PreparedModel, type VariableNode } from '../workers/engine/prepare';
import { sizeOf } from '../workers/engine/tensor';
import { readModel } from '../workers/formats/index';

/**
 * Real-network galleries (issue 18): torchvision-shaped MobileNetV2 and ResNet-18 exported
 * to ONNX by bench/real_models.py, and model files given by path, timed as a user runs them:
 * the CLI (`neurovis gallery`, every neuron of every layer, default workers) in a child
 * process, its wall time and peak resident memory (GNU time), and PyTorch's batched backward
 * over the same layers in the same run where the model is one of real_models.py's.
 */
export interface RealRun {
  readonly model: string;
  readonly mode: string;
  readonly layers: number;
  readonly neurons: number;
  /** Dense work: 2 × multiply–accumulates of every op behind each layer, per neuron. */
  readonly gflop: number;
  readonly seconds: number;
  /** User + system CPU time of the process (all workers): what the run cost, whatever else the machine ran. */
  readonly cpuSeconds: number;
  readonly peakMB: number;
  /** The 1-minute load average before and after the run (2 cores: above 2, others competed for them). */
  readonly load: readonly [number, number];
  /** Only the first N neurons of each layer were computed (NAME:MODE:N): a sample of a gallery too long to time whole. */
  readonly perLayer?: number;
  /** With perLayer: the dense GFLOP of the whole gallery, to project its time (sample time × full ÷ sample work). */
  readonly fullGflop?: number;
  readonly torchSeconds?: number;
  readonly failed?: string;
}

const PYTHON = '/usr/bin/python3';

function benchDir(): string {
  return join(dirname(process.argv[1]), '..', '..', 'bench');
}

/** Multiply–accumulates of one forward pass of a node (Conv, Gemm, MatMul; the rest is not counted). */
function nodeMacs(v: VariableNode): number {
  const out = v.outputShapes[0] ? sizeOf(v.outputShapes[0]) : 0;
  const w = v.ctx.inputShapes[1];
  if (v.node.opType === 'Conv' && w) return out * sizeOf(w.slice(1));
  if ((v.node.opType === 'Gemm' || v.node.opType === 'MatMul') && w) {
    const a = v.ctx.inputShapes[0];
    return a ? out * (v.node.opType === 'Gemm' && v.node.attrs.transA ? a[0] : a[a.length - 1]) : 0;
  }
  return 0;
}

/** Dense GFLOP of the gallery, or of its first `perLayer` neurons of each layer. */
export function galleryGflop(model: PreparedModel, perLayer = Infinity): number {
  let flops = 0;
  for (const layer of model.layers) {
    let macs = 0;
    for (const v of ancestorsOf(model, layer.id)) macs += nodeMacs(v);
    flops += 2 * macs * Math.min(perLayer, layer.neurons);
  }
  return flops / 1e9;
}

/** The ONNX files of real_models.py in `dir`, exported on first use; null without PyTorch. */
function exportedModel(name: string, dir: string): string | null {
  const path = join(dir, `${name}.onnx`);
  if (existsSync(path)) return path;
  const r = spawnSync(PYTHON, [join(benchDir(), 'real_models.py'), 'export', dir], { encoding: 'utf8' });
  return r.status === 0 && existsSync(path) ? path : null;
}

function torchSeconds(name: string): number | undefined {
  const r = spawnSync(PYTHON, [join(benchDir(), 'real_models.py'), 'time', '.', name], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) return undefined;
  return (JSON.parse(r.stdout.trim().split('\n').pop()!) as { batched: number }).batched;
}

/** Runs `neurovis gallery` on one model in one mode; wall time, CPU time and peak RSS of the whole process (workers are threads). */
function timeCli(path: string, mode: string, perLayer?: number): { seconds: number; cpuSeconds: number; peakMB: number; failed?: string } {
  const out = mkdtempSync(join(tmpdir(), 'neurovis-real-'));
  try {
    const cli = join(dirname(process.argv[1]), 'cli.js');
    const t0 = performance.now();
    const sample = perLayer !== undefined ? ['--neurons', String(perLayer)] : [];
    const modeArgs = mode === 'readable' ? ['--mode', 'ascent', '--ascent-style', 'readable', '--steps', String(READABLE_STEPS)] : ['--mode', mode];
    const args = [process.execPath, cli, 'gallery', path, ...modeArgs, ...sample, '--out', out, '--format', 'npy,json', '--quiet', '--force'];
    const r = spawnSync('/usr/bin/time', ['-f', 'peak-kb %M cpu %U %S', ...args], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    const seconds = (performance.now() - t0) / 1000;
    const peak = /peak-kb (\d+) cpu ([\d.]+) ([\d.]+)/.exec(r.stderr ?? '');
    const failed = r.status === 0 ? undefined : (r.stderr ?? '').split('\n').find((l) => l.startsWith('neurovis:')) ?? `exit ${r.status}`;
    return { seconds, cpuSeconds: peak ? Number(peak[2]) + Number(peak[3]) : NaN, peakMB: peak ? Number(peak[1]) / 1024 : NaN, failed };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Steps of the bench's readable-ascent rows (the CLI's default). */
const READABLE_STEPS = 256;

/**
 * specs: NAME:MODE or NAME:MODE:N (MODE readable: `--mode ascent --ascent-style readable --steps 256`) (NAME one of real_models.py's models, or a model file's
 * path; N: only the first N neurons of each layer, for galleries too long to time whole).
 * PyTorch is timed once per real_models.py model run in the exact mode (its batched backward
 * is the exact reversal of the linear networks).
 */
export function benchReal(specs: readonly string[], log: (line: string) => void): RealRun[] {
  const dir = mkdtempSync(join(tmpdir(), 'neurovis-real-models-'));
  const runs: RealRun[] = [];
  try {
    for (const spec of specs) {
      const parsed = /^(.+):([a-z]+)(?::(\d+))?$/.exec(spec);
      if (!parsed) {
        log(`real: "${spec}" skipped (expected NAME:MODE or NAME:MODE:N)`);
        continue;
      }
      const [, name, mode] = parsed;
      const perLayer = parsed[3] ? Number(parsed[3]) : undefined;
      const path = existsSync(name) ? name : exportedModel(name, dir);
      if (!path) {
        log(`real: ${name} skipped (no such file, and real_models.py could not export it: is python3-torch installed?)`);
        continue;
      }
      const model = prepare(readModel([{ name: basename(path), bytes: new Uint8Array(readFileSync(path)) }]));
      const neurons = model.layers.reduce((n, l) => n + Math.min(perLayer ?? Infinity, l.neurons), 0);
      const before = loadavg()[0];
      const t = timeCli(path, mode, perLayer);
      const load: [number, number] = [before, loadavg()[0]];
      log(
        `real: ${name} ${mode}${perLayer ? ` (first ${perLayer} of each layer)` : ''}: ${neurons} neurons, ${t.seconds.toFixed(1)} s, ` +
          `CPU ${t.cpuSeconds.toFixed(1)} s, peak ${t.peakMB.toFixed(0)} MB, load ${load.map((l) => l.toFixed(1)).join(' → ')}${t.failed ? ` (failed: ${t.failed})` : ''}`,
      );
      const torch = !existsSync(name) && mode === 'exact' && !perLayer ? torchSeconds(name) : undefined;
      if (torch !== undefined) log(`real: ${name} PyTorch batched backward: ${torch.toFixed(1)} s`);
      // The readable ascent does one forward pass and one reversal per step.
      const work = mode === 'readable' ? 2 * READABLE_STEPS : 1;
      runs.push({
        model: existsSync(name) ? basename(name) : name, mode, layers: model.layers.length, neurons, gflop: work * galleryGflop(model, perLayer), ...t, load, perLayer,
        fullGflop: perLayer ? work * galleryGflop(model) : undefined, torchSeconds: torch,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return runs;
}

export function formatRealBench(runs: readonly RealRun[]): string {
  const exactTime = new Map(runs.filter((r) => r.mode === 'exact' && !r.failed && !r.perLayer).map((r) => [r.model.replace(/-linear$/, ''), r.seconds]));
  const lines = [
    '## Real networks (issue 18)',
    '',
    'Full gallery (every neuron of every layer, neuron objective) through the CLI as a user runs it',
    '(`neurovis gallery MODEL --mode M --format npy,json --force`, default workers), wall time, CPU time (user +',
    'system, all workers) and peak resident memory of the process, and the 1-minute load average before → after',
    '(2 cores: above 2, other jobs competed). PyTorch: one batched backward per layer over the same layers and',
    'weights (bench/real_models.py), timed right after ours in the same run. "÷ linear exact": the time against',
    'the exact gallery of the same network with its ReLU6 removed, measured in the same run. Rows marked',
    '"first N/layer" timed only the first N neurons of each layer (`--neurons N`); their full gallery is projected',
    'by dense work (time × full GFLOP ÷ sampled GFLOP).',
    '',
    '| model | mode | layers | neurons | GFLOP (dense) | wall time | CPU time | neurons/s | GFLOP/s | peak RSS | load | full gallery, projected | PyTorch batched | ours ÷ PyTorch | ÷ linear exact |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of runs) {
    const twin = r.perLayer ? undefined : exactTime.get(r.model.replace(/-relu6$/, ''));
    const projected = r.perLayer && r.fullGflop && !r.failed ? `${((r.seconds * r.fullGflop) / r.gflop / 60).toFixed(1)} min` : '';
    const cells = r.failed
      ? [`failed: ${r.failed}`, '', '', '', '']
      : [`${r.seconds.toFixed(1)} s`, `${r.cpuSeconds.toFixed(1)} s`, (r.neurons / r.seconds).toFixed(0), (r.gflop / r.seconds).toFixed(1), `${r.peakMB.toFixed(0)} MB`];
    lines.push(
      `| ${r.model} | ${r.mode} | ${r.layers} | ${r.neurons}${r.perLayer ? ` (first ${r.perLayer}/layer)` : ''} | ${r.gflop.toFixed(0)} | ${cells.join(' | ')} | ` +
        `${r.load.map((l) => l.toFixed(1)).join(' → ')} | ${projected} | ` +
        `${r.torchSeconds !== undefined ? `${r.torchSeconds.toFixed(1)} s` : ''} | ${r.torchSeconds !== undefined && !r.failed ? `**${(r.seconds / r.torchSeconds).toFixed(2)}×**` : ''} | ` +
        `${twin !== undefined && r.mode !== 'exact' && !r.failed ? `${(r.seconds / twin).toFixed(2)}×` : ''} |`,
    );
  }
  return lines.join('\n') + '\n';
}
