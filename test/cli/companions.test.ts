// The CLI finds what goes with a model beside it, as the desktop app does: ONNX external data,
// TF.js shards (also without an extension), a weights-only .h5's architecture JSON, and labels.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readModelFiles } from '../../cli/files';
import { prepare } from '../../workers/engine/prepare';
import { readModel } from '../../workers/formats/index';

const root = join(__dirname, '..', '..');
const cli = join(root, 'dist', 'node', 'cli.js');
/** The real models of ../shared/models (MANIFEST.md); NEUROVIS_SHARED points elsewhere (a worktree). */
const shared = join(process.env.NEUROVIS_SHARED ?? join(root, '..', 'shared'), 'models');
const names = (files: { name: string }[]) => files.map((f) => f.name);

function neurovis(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A complete gallery: exit 0, and one .npy per layer of the model. */
function expectCompleteGallery(model: string, out: string, extra: string[] = []): void {
  const r = neurovis('gallery', model, '--out', out, '--format', 'npy,json', '--mode', 'surrogate', '--workers', '0', '--quiet', ...extra);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { layers: { id: string; file: string }[] };
  expect(manifest.layers.length).toBeGreaterThan(0);
  for (const layer of manifest.layers) expect(existsSync(join(out, layer.file)), layer.file).toBe(true);
}

let work: string;
beforeAll(() => {
  if (!existsSync(cli)) spawnSync(process.execPath, [join(root, 'build', 'build-node.mjs')], { stdio: 'inherit' });
  work = mkdtempSync(join(tmpdir(), 'neurovis-companions-'));
});

describe('ONNX external data', () => {
  const fixture = join(root, 'test', 'electron-main', 'fixtures', 'onnx-external');

  it('reads every file the model names, in a subfolder too', async () => {
    const files = await readModelFiles([join(fixture, 'model.onnx')]);
    expect(names(files).sort()).toEqual(['branch_bias', 'dense_B', 'dense_W', 'model.onnx', 'scale.bin']);
  });

  it('names the file that is really missing', async () => {
    const dir = join(work, 'onnx-missing');
    cpSync(fixture, dir, { recursive: true });
    rmSync(join(dir, 'constants', 'scale.bin'));
    await expect(readModelFiles([join(dir, 'model.onnx')])).rejects.toThrow(`${join(dir, 'model.onnx')} needs "constants/scale.bin" beside it, which is missing`);
  });

  it.skipIf(!existsSync(join(shared, 'onnx', 'pytorch2.9_extdata_mnist')))('a real PyTorch export with model.onnx.data: a complete gallery from the model file alone', () => {
    expectCompleteGallery(join(shared, 'onnx', 'pytorch2.9_extdata_mnist', 'model.onnx'), join(work, 'extdata'));
  });
});

describe('TF.js shards', () => {
  it('shards without an extension, named in the manifest: a complete gallery from model.json alone', () => {
    const dir = join(work, 'tfjs-noext');
    cpSync(join(root, 'test', 'fixtures', 'tfjs', 'convnet_quantized'), dir, { recursive: true });
    const modelJson = join(dir, 'model.json');
    const manifest = readFileSync(modelJson, 'utf8').replace(/group1-shard(\d)of2\.bin/g, 'group1-shard$1of2');
    writeFileSync(modelJson, manifest);
    for (const n of [1, 2]) renameSync(join(dir, `group1-shard${n}of2.bin`), join(dir, `group1-shard${n}of2`));
    expectCompleteGallery(modelJson, join(work, 'tfjs-out'));
  });

  it.skipIf(!existsSync(join(shared, 'tfjs', 'keras2.12_mnist_cnn')))('a real converter output: the same network from model.json alone as from all its files', async () => {
    const dir = join(shared, 'tfjs', 'keras2.12_mnist_cnn');
    const alone = await readModelFiles([join(dir, 'model.json')]);
    expect(names(alone)).toEqual(['model.json', 'group1-shard1of1.bin']);
    expect(prepare(readModel(alone)).layers.length).toBeGreaterThan(0);
  });

  it('names the missing shard', async () => {
    const dir = join(work, 'tfjs-missing');
    cpSync(join(root, 'test', 'fixtures', 'tfjs', 'convnet_quantized'), dir, { recursive: true });
    rmSync(join(dir, 'group1-shard2of2.bin'));
    await expect(readModelFiles([join(dir, 'model.json')])).rejects.toThrow(/model\.json needs "group1-shard2of2\.bin" beside it, which is missing/);
  });
});

describe('Keras weights-only .h5', () => {
  const keras = join(root, 'test', 'fixtures', 'keras');

  it('picks up the architecture JSON of the same stem', async () => {
    const files = await readModelFiles([join(keras, 'keras2.4_functional_convnet_weights.h5')]);
    expect(names(files)).toEqual(['keras2.4_functional_convnet_weights.h5', 'keras2.4_functional_convnet_weights.json']);
    const r = neurovis('info', join(keras, 'keras2.4_functional_convnet_weights.h5'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/weights only; architecture from keras2\.4_functional_convnet_weights\.json/);
  });

  it('names the missing architecture JSON', () => {
    const dir = join(work, 'keras-missing');
    cpSync(join(keras, 'keras2.4_functional_convnet_weights.h5'), join(dir, 'weights.h5'), { recursive: true });
    const r = neurovis('info', join(dir, 'weights.h5'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('needs "weights.json" beside it, which is missing');
  });
});

describe('labels beside the model', () => {
  it('reads metadata.json, labels.txt and <stem>.labels when they are there, and nothing when they are not', async () => {
    const dir = join(work, 'labels');
    cpSync(join(root, 'test', 'fixtures', 'tfjs', 'convnet_quantized'), dir, { recursive: true });
    expect(names(await readModelFiles([join(dir, 'model.json')]))).toEqual(['model.json', 'group1-shard1of2.bin', 'group1-shard2of2.bin']);
    writeFileSync(join(dir, 'metadata.json'), JSON.stringify({ labels: ['a', 'b'] }));
    writeFileSync(join(dir, 'labels.txt'), 'a\nb\n');
    copyFileSync(join(dir, 'labels.txt'), join(dir, 'model.labels'));
    expect(names(await readModelFiles([join(dir, 'model.json')]))).toEqual(['model.json', 'group1-shard1of2.bin', 'group1-shard2of2.bin', 'metadata.json', 'model.labels', 'labels.txt']);
  });
});
