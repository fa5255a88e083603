// Issue 19: a tiny model that declares a huge folded constant ends in one line naming the node,
// its size and the memory budget, before anything is allocated.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultMemoryBudget } from '../../workers/engine/estimate';
import { batchFor, DEFAULT_MEMORY_BUDGET_BYTES, fixedBytes, PROCESS_BYTES, setMemoryBudget, WORKER_FIXED_BYTES, workerBudget } from '../../workers/engine/budget';
import { reverseLayer } from '../../workers/engine/reverse';
import { sizeOf } from '../../workers/engine/tensor';
import { loadModeNetwork } from '../fixtures/modes/load';
import { prepare } from '../../workers/engine/prepare';
import { readModel } from '../../workers/formats/index';
import { TfjsWeights } from '../../workers/formats/keras/tfjs-weights';
import type { KerasLayer } from '../../workers/formats/keras/config';
import type { Json } from '../../workers/formats/keras/json';
import { bytes, concat, int, model, node, ONNX, text, valueInfo, varint } from '../helpers/onnx-writer';

/** x [1,4] → Gemm with B = ConstantOfShape([4, 133000000]) of int64 ones: 532 million values, 4.3 GB. */
function bomb(): Uint8Array {
  const shape = concat(int(1, 2), int(2, ONNX.INT64), bytes(7, varint(4), varint(133_000_000)), text(8, 'shape'));
  const one = concat(int(1, 1), int(2, ONNX.INT64), bytes(7, varint(1)));
  const fill = node('ConstantOfShape', 'fill', ['shape'], ['B'], concat(text(1, 'value'), bytes(5, one), int(20, 4)));
  return model([fill, node('Gemm', 'gemm', ['x', 'B'], ['y'])], [shape], valueInfo('x', [1, 4]), valueInfo('y', [1, 133_000_000]));
}

afterEach(() => setMemoryBudget(DEFAULT_MEMORY_BUDGET_BYTES));

describe('memory budget', () => {
  it('refuses a folded ConstantOfShape past the budget before allocating it', () => {
    const file = bomb();
    expect(file.length).toBeLessThan(200);
    setMemoryBudget(512 * 1024 ** 2);
    const before = process.memoryUsage().arrayBuffers;
    expect(() => prepare(readModel([{ name: 'bomb.onnx', bytes: file }]))).toThrow(
      /^bomb\.onnx: node "fill" \(ConstantOfShape\): shape \[4, 133000000\] would take 4\.0 GB \(532,000,000 values\), past the memory budget of 512 MB; raise it with --memory-budget if the machine has the memory$/,
    );
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 ** 2);
  });

  it('the CLI says so in one line with --memory-budget', () => {
    const cli = join(__dirname, '..', '..', 'dist', 'node', 'cli.js');
    if (!existsSync(cli)) spawnSync(process.execPath, [join(__dirname, '..', '..', 'build', 'build-node.mjs')], { stdio: 'inherit' });
    const work = mkdtempSync(join(tmpdir(), 'neurovis-bomb-'));
    writeFileSync(join(work, 'bomb.onnx'), bomb());
    const r = spawnSync(process.execPath, [cli, 'gallery', join(work, 'bomb.onnx'), '--out', join(work, 'out'), '--memory-budget', '256MB'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^neurovis: bomb\.onnx: node "fill" \(ConstantOfShape\): shape \[4, 133000000\] would take 4\.0 GB \(532,000,000 values\), past the memory budget of 256 MB; raise it with --memory-budget if the machine has the memory\n$/);
    expect(existsSync(join(work, 'out'))).toBe(false);
  });

  it('with no --memory-budget the CLI refuses it too, however much memory is free: the default is a quarter of free memory, at most 2 GB', () => {
    expect(defaultMemoryBudget(4 * 1024 ** 3)).toBe(1024 ** 3);
    expect(defaultMemoryBudget(64 * 1024 ** 3)).toBe(2 * 1024 ** 3);
    const cli = join(__dirname, '..', '..', 'dist', 'node', 'cli.js');
    if (!existsSync(cli)) spawnSync(process.execPath, [join(__dirname, '..', '..', 'build', 'build-node.mjs')], { stdio: 'inherit' });
    const work = mkdtempSync(join(tmpdir(), 'neurovis-bomb-'));
    writeFileSync(join(work, 'bomb.onnx'), bomb());
    // Preloaded into the CLI: its peak resident memory (kB) when it exits.
    writeFileSync(join(work, 'peak.cjs'), "process.on('exit', () => process.stderr.write('peak-kb ' + process.resourceUsage().maxRSS + '\\n'));\n");
    const r = spawnSync(process.execPath, ['--require', join(work, 'peak.cjs'), cli, 'gallery', join(work, 'bomb.onnx'), '--out', join(work, 'out')], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^neurovis: bomb\.onnx: node "fill" \(ConstantOfShape\): shape \[4, 133000000\] would take 4\.0 GB \(532,000,000 values\), past the memory budget of [\d.]+ [MG]B; raise it with --memory-budget if the machine has the memory\n/);
    // Refused before the allocation: the process stays far from the 4 GB the file asks for.
    expect(Number(/peak-kb (\d+)/.exec(r.stderr)![1])).toBeLessThan(512 * 1024);
    expect(existsSync(join(work, 'out'))).toBe(false);
  });

  it('TF.js: a shard listed twice is refused; declared weights count against the budget before decoding', () => {
    const shard = { name: 'group1-shard1of1.bin', bytes: new Uint8Array(64) };
    const weight = (name: string, shape: number[]): Json => ({ name, shape, dtype: 'float32' });
    expect(() => new TfjsWeights([{ paths: ['group1-shard1of1.bin', 'group1-shard1of1.bin'], weights: [weight('d/kernel', [4, 4])] }], [shard], 'model.json')).toThrow(
      'model.json: weight file "group1-shard1of1.bin" is listed more than once in weightsManifest',
    );
    setMemoryBudget(2 * 1024 ** 2);
    expect(() => new TfjsWeights([{ paths: ['group1-shard1of1.bin'], weights: [weight('d/kernel', [4, 4]), weight('e/kernel', [1024, 1024])] }], [shard], 'model.json')).toThrow(
      'model.json: the weights up to "e/kernel" (float32) would take 4 MB (1,048,592 values), past the memory budget of 2 MB',
    );
  });

  it('TF.js: a shard path with a malformed %-escape is named, not a URIError', () => {
    expect(() => new TfjsWeights([{ paths: ['group1%E0%A4%A.bin'], weights: [] }], [], 'model.json')).toThrow('model.json: weight file "group1%E0%A4%A.bin" is missing');
  });

  it('TF.js: each layer finds its own weights, also inside nested models', () => {
    const weights = [{ name: 'outer/conv/kernel', shape: [2], dtype: 'float32' }, { name: 'conv/bias', shape: [2], dtype: 'float32' }, { name: 'other_conv/kernel', shape: [2], dtype: 'float32' }, { name: 'dense/kernel', shape: [2], dtype: 'float32' }];
    const store = new TfjsWeights([{ paths: ['w.bin'], weights }], [{ name: 'w.bin', bytes: new Uint8Array(32) }], 'model.json');
    const names = (layer: string): string[] => store.layer({ name: layer } as KerasLayer).map((a) => a.name);
    expect(names('conv')).toEqual(['outer/conv/kernel', 'conv/bias']);
    expect(names('other_conv')).toEqual(['other_conv/kernel']);
    expect(names('missing')).toEqual([]);
  });

  it('.neurovis.json: an orthogonal initialisation too large to finish is refused before it starts', () => {
    const spec = { format: 'neurovis', version: 1, name: 'ortho', input: { shape: [10000] }, layers: [{ kind: 'dense', units: 10000, name: 'big', init: { kind: 'orthogonal' } }] };
    const bytes = new TextEncoder().encode(JSON.stringify(spec));
    setMemoryBudget(512 * 1024 ** 2);
    expect(() => readModel([{ name: 'ortho.neurovis.json', bytes }])).toThrow(/^ortho\.neurovis\.json: layer big, W: \[10000, 10000\] float32 and its initialisation \(float64\) would take 1\.1 GB .*past the memory budget of 512 MB; raise it with --memory-budget if the machine has the memory$/);
    setMemoryBudget(4 * 1024 ** 3);
    expect(() => readModel([{ name: 'ortho.neurovis.json', bytes }])).toThrow(
      /^ortho\.neurovis\.json: layer big, W: an orthogonal initialisation of \[10000, 10000\] takes about 2\.0e\+12 operations \(Gram–Schmidt\); use "init": \{"kind": "normal"\}/,
    );
  });

  it('each worker gets its share of a pool\'s budget, the weights taken off first, and its batches follow the share', () => {
    const MB = 1024 ** 2;
    // Shared weights come off once, copied weights once per worker.
    expect(workerBudget(2048 * MB, 2, { bytes: 48 * MB, shared: true })).toBe(1000 * MB);
    expect(workerBudget(2048 * MB, 2, { bytes: 48 * MB, shared: false })).toBe(976 * MB);
    expect(workerBudget(2048 * MB, 1, { bytes: 48 * MB, shared: true })).toBe(2000 * MB);
    // A budget too small for the workers still leaves each the least a worker needs.
    expect(workerBudget(100 * MB, 4, { bytes: 90 * MB, shared: true })).toBe(64 * MB);
    // A 224×224 MobileNetV2's largest map (96×112×112 float32) × 4 live tensors a seed: 19 MB.
    const largest = 96 * 112 * 112;
    const seeds = (budget: number): number => {
      setMemoryBudget(budget);
      return batchFor(largest, 4);
    };
    expect(seeds(workerBudget(2048 * MB, 2, { bytes: 14 * MB, shared: true }))).toBe(13);
    expect(seeds(workerBudget(512 * MB, 2, { bytes: 14 * MB, shared: true }))).toBe(3);
    expect(seeds(workerBudget(256 * MB, 4, { bytes: 14 * MB, shared: true }))).toBe(1);
    // A pool charges what its process holds whatever the batches (issue 18): the process, the rows
    // held for reusing layers, each worker's forward values and fixed memory; the rest is shared.
    const holdings = { forwardBytes: 50 * MB, heldBytes: 578 * MB };
    expect(fixedBytes(2, holdings)).toBe(PROCESS_BYTES + 578 * MB + 2 * (50 * MB + WORKER_FIXED_BYTES));
    expect(workerBudget(2048 * MB, 2, { bytes: 14 * MB, shared: true }, holdings)).toBe(Math.floor((2034 * MB - fixedBytes(2, holdings)) / 2));
    // So the process (fixed + the weights + each worker's share) stays within the budget.
    expect(14 * MB + fixedBytes(2, holdings) + 2 * workerBudget(2048 * MB, 2, { bytes: 14 * MB, shared: true }, holdings)).toBeLessThanOrEqual(2048 * MB);
  });

  it('batch sizes come from the budget; a budget that fits one seed at a time gives the same x* and activations', () => {
    setMemoryBudget(1024 ** 3);
    expect(batchFor(1024 * 1024, 4)).toBe(16);
    setMemoryBudget(64 * 1024 ** 2);
    expect(batchFor(1024 * 1024, 4)).toBe(1);
    expect(batchFor(1e9, 4)).toBe(1);
    const { model, x0 } = loadModeNetwork('resnet_block');
    const layer = model.layers[model.layers.length - 1];
    const neurons = Array.from({ length: layer.neurons }, (_, i) => i);
    const run = (): ReturnType<typeof reverseLayer> => reverseLayer(model, layer.id, neurons, { mode: 'surrogate', objective: { kind: 'neuron' }, radius: 1, reference: x0 });
    const largest = Math.max(...model.layers.map((l) => sizeOf(l.featureShape)), sizeOf(model.inputShape));
    setMemoryBudget(DEFAULT_MEMORY_BUDGET_BYTES);
    expect(batchFor(largest, 4)).toBeGreaterThanOrEqual(neurons.length);
    const whole = run();
    // Working memory (a quarter of the budget) for 4 float32 tensors of the largest map: one seed a chunk.
    setMemoryBudget(4 * 4 * 4 * largest);
    expect(batchFor(largest, 4)).toBe(1);
    const single = run();
    for (let i = 0; i < whole.xstar.length; i++) expect(Math.abs(single.xstar[i] - whole.xstar[i])).toBeLessThanOrEqual(1e-6);
    for (let i = 0; i < neurons.length; i++) expect(single.activations[i]).toBeCloseTo(whole.activations[i], 5);
  });
});
