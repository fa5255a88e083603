import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
  readonly peakMB: number;
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

export function galleryGflop(model: PreparedModel): number {
  let flops = 0;
  for (const layer of model.layers) {
    let macs = 0;
    for (const v of ancestorsOf(model, layer.id)) macs += nodeMacs(v);
    flops += 2 * macs * layer.neurons;
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

/** Runs `neurovis gallery` on one model in one mode; wall time and peak RSS of the whole process (workers are threads). */
function timeCli(path: string, mode: string): { seconds: number; peakMB: number; failed?: string } {
  const out = mkdtempSync(join(tmpdir(), 'neurovis-real-'));
  try {
    const cli = join(dirname(process.argv[1]), 'cli.js');
    const t0 = performance.now();
    const r = spawnSync('/usr/bin/time', ['-f', 'peak-kb %M', process.execPath, cli, 'gallery', path, '--mode', mode, '--out', out, '--format', 'npy,json', '--quiet', '--force'], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    const seconds = (performance.now() - t0) / 1000;
    const peak = /peak-kb (\d+)/.exec(r.stderr ?? '');
    const failed = r.status === 0 ? undefined : (r.stderr ?? '').split('\n').find((l) => l.startsWith('neurovis:')) ?? `exit ${r.status}`;
    return { seconds, peakMB: peak ? Number(peak[1]) / 1024 : NaN, failed };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/**
 * specs: NAME:MODE (NAME one of real_models.py's models, or a model file's path). PyTorch is
 * timed once per real_models.py model run in the exact mode (its batched backward is the
 * exact reversal of the linear networks).
 */
export function benchReal(specs: readonly string[], log: (line: string) => void): RealRun[] {
  const dir = mkdtempSync(join(tmpdir(), 'neurovis-real-models-'));
  const runs: RealRun[] = [];
  try {
    for (const spec of specs) {
      const cut = spec.lastIndexOf(':');
      const [name, mode] = [spec.slice(0, cut), spec.slice(cut + 1)];
      const path = existsSync(name) ? name : exportedModel(name, dir);
      if (!path) {
        log(`real: ${name} skipped (no such file, and real_models.py could not export it: is python3-torch installed?)`);
        continue;
      }
      const model = prepare(readModel([{ name: basename(path), bytes: new Uint8Array(readFileSync(path)) }]));
      const neurons = model.layers.reduce((n, l) => n + l.neurons, 0);
      const t = timeCli(path, mode);
      log(`real: ${name} ${mode}: ${neurons} neurons, ${t.seconds.toFixed(1)} s, peak ${t.peakMB.toFixed(0)} MB${t.failed ? ` (failed: ${t.failed})` : ''}`);
      const torch = !existsSync(name) && mode === 'exact' ? torchSeconds(name) : undefined;
      if (torch !== undefined) log(`real: ${name} PyTorch batched backward: ${torch.toFixed(1)} s`);
      runs.push({ model: existsSync(name) ? basename(name) : name, mode, layers: model.layers.length, neurons, gflop: galleryGflop(model), ...t, torchSeconds: torch });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return runs;
}

export function formatRealBench(runs: readonly RealRun[]): string {
  const exactTime = new Map(runs.filter((r) => r.mode === 'exact' && !r.failed).map((r) => [r.model.replace(/-linear$/, ''), r.seconds]));
  const lines = [
    '## Real networks (issue 18)',
    '',
    'Full gallery (every neuron of every layer, neuron objective) through the CLI as a user runs it',
    '(`neurovis gallery MODEL --mode M --format npy,json --force`, default workers), wall time and peak resident',
    'memory of the process. PyTorch: one batched backward per layer over the same layers and weights',
    '(bench/real_models.py), timed right after ours in the same run. "÷ linear exact": the time against',
    'the exact gallery of the same network with its ReLU6 removed, measured in the same run.',
    '',
    '| model | mode | layers | neurons | GFLOP (dense) | wall time | neurons/s | GFLOP/s | peak RSS | PyTorch batched | ours ÷ PyTorch | ÷ linear exact |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of runs) {
    const twin = exactTime.get(r.model.replace(/-relu6$/, ''));
    const cells = r.failed
      ? [`failed: ${r.failed}`, '', '', '']
      : [`${r.seconds.toFixed(1)} s`, (r.neurons / r.seconds).toFixed(0), (r.gflop / r.seconds).toFixed(1), `${r.peakMB.toFixed(0)} MB`];
    lines.push(
      `| ${r.model} | ${r.mode} | ${r.layers} | ${r.neurons} | ${r.gflop.toFixed(0)} | ${cells.join(' | ')} | ` +
        `${r.torchSeconds !== undefined ? `${r.torchSeconds.toFixed(1)} s` : ''} | ${r.torchSeconds !== undefined && !r.failed ? `**${(r.seconds / r.torchSeconds).toFixed(2)}×**` : ''} | ` +
        `${twin !== undefined && r.mode !== 'exact' && !r.failed ? `${(r.seconds / twin).toFixed(2)}×` : ''} |`,
    );
  }
  return lines.join('\n') + '\n';
}
