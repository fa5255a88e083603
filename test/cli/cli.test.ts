import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeNeurons } from '../../workers/engine/compute';
import { knownFromResults } from '../../workers/engine/reuse';
import { prepare } from '../../workers/engine/prepare';
import { readModel } from '../../workers/formats/index';
import { decodeNpy, encodeNpy } from '../../workers/formats/numpy/npy';

const root = join(__dirname, '..', '..');
const cli = join(root, 'dist', 'node', 'cli.js');
const fixtures = join(root, 'test', 'fixtures');

function neurovis(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const nonlinear = JSON.stringify({
  format: 'neurovis',
  version: 1,
  name: 'relu-mlp',
  input: { shape: [6] },
  layers: [{ kind: 'dense', units: 5, name: 'fc1' }, { kind: 'activation', fn: 'relu', name: 'act' }, { kind: 'dense', units: 3, name: 'fc2' }],
});

let work: string;
beforeAll(() => {
  if (!existsSync(cli)) spawnSync(process.execPath, [join(root, 'build', 'build-node.mjs')], { stdio: 'inherit' });
  work = mkdtempSync(join(tmpdir(), 'neurovis-cli-'));
  writeFileSync(join(work, 'relu.neurovis.json'), nonlinear);
  writeFileSync(join(work, 'random.onnx'), Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251));
});

describe('neurovis gallery', () => {
  it('writes manifest.json and one .npy per layer that equal the engine', () => {
    const model = join(fixtures, 'numpy', 'chain12.npz');
    const out = join(work, 'chain');
    const r = neurovis('gallery', model, '--out', out, '--format', 'npy,json', '--radius', '2', '--workers', '0', '--quiet');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ model: 'chain12.npz', inputShape: [7], mode: 'exact', objective: 'neuron', radius: 2, quantized: null });
    const prepared = prepare(readModel([{ name: 'chain12.npz', bytes: new Uint8Array(readFileSync(model)) }]));
    expect(manifest.layers.map((l: { id: string }) => l.id)).toEqual(prepared.layers.map((l) => l.id));
    // The CLI offers each layer the results before it (engine/reuse.ts: a dense layer combines them): so does the engine here.
    const done = new Map<string, ReturnType<typeof computeNeurons>>();
    for (const entry of manifest.layers) {
      const npy = decodeNpy(new Uint8Array(readFileSync(join(out, entry.file))), entry.file);
      expect(npy.shape).toEqual([entry.neurons, 7]);
      const neurons = Array.from({ length: entry.neurons }, (_, i) => i);
      const expected = computeNeurons(prepared, entry.id, neurons, { mode: 'exact', objective: { kind: 'neuron' }, radius: 2 }, knownFromResults(done));
      done.set(entry.id, expected);
      expect(Array.from(npy.data)).toEqual(Array.from(expected.xstar));
      expect(entry.norms).toEqual(Array.from(expected.norms, (v) => Number(v.toPrecision(8))));
      expect(entry.activations).toHaveLength(entry.neurons);
      expect(entry.dead).toEqual([]);
    }
  });

  it('gives the same files from the worker pool as from the main thread', () => {
    const model = join(fixtures, 'numpy', 'chain12.npz');
    const [a, b] = [join(work, 'pool2'), join(work, 'pool0')];
    expect(neurovis('gallery', model, '--out', a, '--format', 'npy,json', '--workers', '2', '--quiet').code).toBe(0);
    expect(neurovis('gallery', model, '--out', b, '--format', 'npy,json', '--workers', '0', '--quiet').code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(a, 'manifest.json'), 'utf8'));
    expect(readFileSync(join(a, 'manifest.json'), 'utf8')).toBe(readFileSync(join(b, 'manifest.json'), 'utf8'));
    for (const l of manifest.layers) expect(readFileSync(join(a, l.file)).equals(readFileSync(join(b, l.file)))).toBe(true);
    const bad = neurovis('gallery', join(work, 'relu.neurovis.json'), '--out', join(work, 'bad'), '--mode', 'exact', '--workers', '1', '--quiet');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/exact mode reverses linear networks only/);
  });

  it('says how a quantised model was quantised; the pool computes the same layers as the reader names', () => {
    const out = join(work, 'quantized');
    const r = neurovis('gallery', join(fixtures, 'quantized-onnx', 'qdq_int8_per_channel.onnx'), '--out', out, '--format', 'json', '--mode', 'surrogate', '--workers', '1', '--quiet');
    expect(r.stderr).toBe('');
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.quantized).toEqual({ scheme: 'onnx-qdq', description: 'int8 activations, int8 per-channel weights' });
    expect(manifest.layers.map((l: { id: string; op: string }) => `${l.id}:${l.op}`)).toEqual(['c1_q:Conv', 'pool_q:MaxPool', 'c2_q:Conv', 'res_q:Add', 'gap_q:GlobalAveragePool', 'fc_q:Gemm']);
    const info = neurovis('info', join(fixtures, 'quantized-onnx', 'qdq_int8_per_channel.onnx'));
    expect(info.stdout).toContain('quantised (onnx-qdq): int8 activations, int8 per-channel weights');
  });

  it('computes only the chosen layers', () => {
    const out = join(work, 'some');
    const r = neurovis('gallery', join(fixtures, 'numpy', 'chain12.npz'), '--out', out, '--layers', 'arr_4', '--format', 'json', '--quiet');
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).layers.map((l: { id: string }) => l.id)).toEqual(['arr_4']);
    expect(existsSync(join(out, 'arr_4.npy'))).toBe(false);
  });

  it('by default the radius follows the value range, and local/deconvnet/guided linearise at mid-grey', () => {
    const model = join(work, 'relu.neurovis.json');
    const size = prepare(readModel([{ name: 'relu.neurovis.json', bytes: new Uint8Array(readFileSync(model)) }])).inputFeatureShape.reduce((a, b) => a * b, 1);
    const run = (name: string, ...extra: string[]) => {
      const out = join(work, name);
      expect(neurovis('gallery', model, '--out', out, '--format', 'json,npy', '--workers', '0', '--quiet', ...extra).code).toBe(0);
      return { out, manifest: JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) };
    };
    const unit = run('range01');
    expect(unit.manifest.valueRange).toEqual([0, 1]);
    // A dense network: every layer's receptive field is the whole input.
    expect(unit.manifest.radius).toBeNull();
    expect(unit.manifest.layers.map((l: { radius: number }) => l.radius)).toEqual(unit.manifest.layers.map(() => 0.25 * Math.sqrt(size)));
    const bytes = run('range255', '--value-range', '0-255');
    expect(bytes.manifest.valueRange).toEqual([0, 255]);
    expect(bytes.manifest.layers[0].radius).toBeCloseTo(0.25 * 255 * Math.sqrt(size), 3);
    const x = decodeNpy(new Uint8Array(readFileSync(join(bytes.out, bytes.manifest.layers[0].file))), 'x').data;
    expect(Math.hypot(...Array.from(x.subarray(0, size)))).toBeCloseTo(bytes.manifest.layers[0].radius, 1);
    const fixed = run('fixed', '--radius', '3');
    expect(fixed.manifest.radius).toBe(3);
    expect(fixed.manifest.layers.map((l: { radius: number }) => l.radius)).toEqual(fixed.manifest.layers.map(() => 3));
    // guided with no --reference equals guided with an explicit mid-grey reference of the range.
    writeFileSync(join(work, 'grey.npy'), encodeNpy([size], new Float32Array(size).fill(127.5)));
    const implicit = run('guided-default', '--mode', 'guided', '--value-range', '0,255');
    const explicit = run('guided-grey', '--mode', 'guided', '--value-range', '0,255', '--reference', join(work, 'grey.npy'));
    for (const l of implicit.manifest.layers) expect(readFileSync(join(implicit.out, l.file)).equals(readFileSync(join(explicit.out, l.file)))).toBe(true);
    expect(neurovis('gallery', model, '--out', join(work, 'bad-range'), '--value-range', '5,1').stderr).toMatch(/--value-range must be/);
  });

  it('refuses a nonlinear network in exact mode, naming the nodes and the other modes', () => {
    const r = neurovis('gallery', join(work, 'relu.neurovis.json'), '--out', join(work, 'relu'), '--mode', 'exact', '--quiet');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/relu\.neurovis\.json: the exact mode reverses linear networks only.*\(act\).*--mode surrogate/);
  });

  it('without --mode, a nonlinear network gets a complete surrogate gallery (auto)', () => {
    const out = join(work, 'relu-auto');
    const r = neurovis('gallery', join(work, 'relu.neurovis.json'), '--out', out, '--format', 'json,npy', '--quiet');
    expect(r.code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.mode).toBe('surrogate');
    const model = prepare(readModel([{ name: 'relu.neurovis.json', bytes: new Uint8Array(readFileSync(join(work, 'relu.neurovis.json'))) }]));
    expect(manifest.layers.map((l: { id: string }) => l.id)).toEqual(model.layers.map((l) => l.id));
    for (const l of manifest.layers) expect(existsSync(join(out, l.file))).toBe(true);
  });

  it('fails clearly on bad input and bad settings', () => {
    const cases: [string[], number, RegExp][] = [
      [['gallery', join(work, 'random.onnx'), '--out', join(work, 'x')], 1, /random\.onnx: /],
      [['gallery', join(work, 'missing.onnx'), '--out', join(work, 'x')], 1, /missing\.onnx: no such file/],
      [['gallery', work, '--out', join(work, 'x')], 1, /not a file/],
      [['gallery', join(fixtures, 'numpy', 'chain12.npz'), '--out', join(work, 'x'), '--radius', '0'], 2, /--radius must be a positive number/],
      [['gallery', join(fixtures, 'numpy', 'chain12.npz'), '--out', join(work, 'x'), '--radius', '-3'], 2, /--radius must be a positive number/],
      [['gallery', join(fixtures, 'numpy', 'chain12.npz'), '--out', join(work, 'x'), '--mode', 'magic'], 2, /unknown mode "magic"/],
      [['gallery', join(fixtures, 'numpy', 'chain12.npz'), '--out', join(work, 'x'), '--layers', 'nope'], 2, /no layer "nope"/],
      [['gallery', join(fixtures, 'numpy', 'single.npy'), '--out', join(work, 'x')], 1, /choose the orientation/],
      [['gallery', join(fixtures, 'numpy', 'chain12.npz')], 2, /--out DIR is required/],
      [['gallery', join(fixtures, 'numpy', 'chain12.npz'), '--out', join(work, 'x'), '--input-shape', '3,x'], 2, /--input-shape/],
    ];
    for (const [args, code, message] of cases) {
      const r = neurovis(...args);
      expect({ args, code: r.code }).toEqual({ args, code });
      expect(r.stderr).toMatch(message);
    }
  });

  it('lists layers with info', () => {
    const r = neurovis('info', join(fixtures, 'numpy', 'torch_style.npz'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/orientation: rows are outputs \(W·x\)/);
    expect(r.stdout).toMatch(/fc2\.weight\tdense\t\[1, 4\]\t4 neurons/);
  });
});
