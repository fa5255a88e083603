import { cpSync, readFileSync } from 'node:fs';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readModelFiles } from '../../electron/main/open-files';

let dir: string;
const fixtures = path.join(import.meta.dirname, 'fixtures');

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'neurovis-open-'));
  await mkdir(path.join(dir, 'tfjs'));
  await writeFile(
    path.join(dir, 'tfjs', 'model.json'),
    JSON.stringify({ format: 'layers-model', weightsManifest: [{ paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: [] }] }),
  );
  await writeFile(path.join(dir, 'tfjs', 'group1-shard1of2.bin'), new Uint8Array([1, 2, 3]));
  await writeFile(path.join(dir, 'tfjs', 'group1-shard2of2.bin'), new Uint8Array([4]));
  await mkdir(path.join(dir, 'broken'));
  await writeFile(path.join(dir, 'broken', 'model.json'), JSON.stringify({ weightsManifest: [{ paths: ['missing.bin', '../tfjs/group1-shard1of2.bin'] }] }));
  await writeFile(path.join(dir, 'net.neurovis.json'), JSON.stringify({ format: 'neurovis', version: 1, name: 'net', sidecar: 'net.npz', layers: [] }));
  await writeFile(path.join(dir, 'net.npz'), new Uint8Array([0x50, 0x4b, 3, 4]));
  await writeFile(path.join(dir, 'a.npy'), new Uint8Array(10));
  await writeFile(path.join(dir, 'b.npy'), new Uint8Array(10));
  cpSync(path.join(fixtures, 'onnx-external'), path.join(dir, 'onnx'), { recursive: true });
});

const names = (files: { name: string }[]) => files.map((f) => f.name);

describe('readModelFiles', () => {
  it('reads a TF.js model.json with its shards, the chosen file first', async () => {
    const opened = await readModelFiles([path.join(dir, 'tfjs', 'model.json')]);
    expect(opened.errors).toEqual([]);
    expect(names(opened.files)).toEqual(['model.json', 'group1-shard1of2.bin', 'group1-shard2of2.bin']);
    expect([...opened.files[1]!.bytes]).toEqual([1, 2, 3]);
  });

  it('reads an ONNX model with its external data files, byte for byte', async () => {
    const opened = await readModelFiles([path.join(dir, 'onnx', 'model.onnx')]);
    expect(opened.errors).toEqual([]);
    expect(names(opened.files)[0]).toBe('model.onnx');
    expect(names(opened.files).slice(1).sort()).toEqual(['branch_bias', 'dense_B', 'dense_W', 'scale.bin']);
    const scale = opened.files.find((f) => f.name === 'scale.bin')!;
    expect(scale.path).toBe(path.join(dir, 'onnx', 'constants', 'scale.bin'));
    expect([...new Float32Array(scale.bytes.slice().buffer)]).toEqual([2, 2, 2]);
    expect(scale.bytes).toEqual(new Uint8Array(readFileSync(path.join(fixtures, 'onnx-external', 'constants', 'scale.bin'))));
  });

  it('reads the sidecar .npz of a .neurovis.json', async () => {
    const opened = await readModelFiles([path.join(dir, 'net.neurovis.json')]);
    expect(names(opened.files)).toEqual(['net.neurovis.json', 'net.npz']);
  });

  it('reads the labels beside a model when they are there, without an error when they are not', async () => {
    const labelled = path.join(dir, 'labelled');
    cpSync(path.join(dir, 'tfjs'), labelled, { recursive: true });
    await writeFile(path.join(labelled, 'labels.txt'), 'cat\ndog\n');
    await writeFile(path.join(labelled, 'model.labels'), 'cat\ndog\n');
    const opened = await readModelFiles([path.join(labelled, 'model.json')]);
    expect(opened.errors).toEqual([]);
    expect(names(opened.files)).toEqual(['model.json', 'group1-shard1of2.bin', 'group1-shard2of2.bin', 'model.labels', 'labels.txt']);
  });

  it('does not read a companion twice when it was dropped too', async () => {
    const opened = await readModelFiles([path.join(dir, 'tfjs', 'group1-shard2of2.bin'), path.join(dir, 'tfjs', 'model.json')]);
    expect(names(opened.files)).toEqual(['group1-shard2of2.bin', 'model.json', 'group1-shard1of2.bin']);
  });

  it('names missing and refused companions, and still returns the model', async () => {
    const opened = await readModelFiles([path.join(dir, 'broken', 'model.json')]);
    expect(names(opened.files)).toEqual(['model.json']);
    expect(opened.errors.map((e) => e.message)).toEqual([
      'model.json: refers to "../tfjs/group1-shard1of2.bin", outside the model\'s folder; not read',
      'model.json needs "missing.bin" beside it, which is missing',
    ]);
  });

  it('reports bad paths one by one and reads the good ones', async () => {
    const opened = await readModelFiles([path.join(dir, 'a.npy'), 'relative.npy', path.join(dir, 'nope.onnx'), 7, path.join(dir, 'tfjs')]);
    expect(names(opened.files)).toEqual(['a.npy']);
    expect(opened.errors.map((e) => e.message)).toEqual([
      'relative.npy: not an absolute path',
      `nope.onnx: no such file (${path.join(dir, 'nope.onnx')})`,
      'not a file path',
      'tfjs: is a folder, not a file',
    ]);
  });

  it('keeps to the limits on the number of files and on their total size', async () => {
    const many = await readModelFiles([path.join(dir, 'a.npy'), path.join(dir, 'b.npy')], { maxFiles: 1 });
    expect(names(many.files)).toEqual(['a.npy']);
    expect(many.errors[0]?.message).toBe('2 files at once; Neurovis opens at most 1 (the first 1 were read)');
    const heavy = await readModelFiles([path.join(dir, 'a.npy'), path.join(dir, 'b.npy')], { maxTotalBytes: 15 });
    expect(names(heavy.files)).toEqual(['a.npy']);
    expect(heavy.errors.map((e) => e.message)).toEqual(['b.npy: not read, the files together would exceed 15 bytes']);
  });
});
