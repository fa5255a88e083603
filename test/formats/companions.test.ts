// Which files go with a model (workers/formats/companions.ts), from its name and bytes alone.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { companionsOf, isLocalReference } from '../../workers/formats/companions';
import { labelFileNames, stemOf } from '../../workers/formats/labels';
import { readModel } from '../../workers/formats/index';

const root = join(__dirname, '..', '..');
const file = (path: string) => ({ name: path.split('/').at(-1) ?? path, bytes: new Uint8Array(readFileSync(join(root, path))) });
const json = (name: string, value: unknown) => ({ name, bytes: new TextEncoder().encode(JSON.stringify(value)) });

describe('companionsOf', () => {
  it('ONNX: every external-data location the model names (as onnx itself lists them), plus labels', () => {
    const expected = JSON.parse(readFileSync(join(root, 'test/electron-main/fixtures/onnx-external.locations.json'), 'utf8')) as string[];
    const c = companionsOf(file('test/electron-main/fixtures/onnx-external/model.onnx'));
    expect([...c.required].sort()).toEqual(expected);
    expect(c.optional).toEqual(['metadata.json', 'model.labels', 'labels.txt']);
  });

  it('TF.js: the shards of every manifest group, with or without an extension', () => {
    const c = companionsOf(json('model.json', { format: 'layers-model', modelTopology: {}, weightsManifest: [{ paths: ['group1-shard1of2', 'group1-shard2of2'], weights: [] }, { paths: ['extra.bin'], weights: [] }] }));
    expect(c.required).toEqual(['group1-shard1of2', 'group1-shard2of2', 'extra.bin']);
    expect(c.optional).toEqual(['metadata.json', 'model.labels', 'labels.txt']);
  });

  it('Keras: a weights-only .h5 needs the architecture JSON of its stem; a full model needs nothing', () => {
    expect(companionsOf(file('test/fixtures/keras/keras2.4_functional_convnet_weights.h5')).required).toEqual(['keras2.4_functional_convnet_weights.json']);
    expect(companionsOf(file('test/fixtures/keras/keras2.4_functional_convnet.h5')).required).toEqual([]);
  });

  it('a .neurovis.json: its sidecar, and labels named after the stem without .neurovis.json', () => {
    const c = companionsOf(json('mlp.neurovis.json', { format: 'neurovis', version: 1, sidecar: 'mlp.npz', layers: [] }));
    expect(c).toEqual({ required: ['mlp.npz'], optional: ['metadata.json', 'mlp.labels', 'labels.txt'] });
  });

  it('never lists the model itself among its labels', () => {
    expect(labelFileNames('metadata.json')).toEqual(['metadata.labels', 'labels.txt']);
  });
});

describe('stemOf', () => {
  it('drops the format ending, else the last extension', () => {
    expect(stemOf('model.onnx')).toBe('model');
    expect(stemOf('dir/net.v2.h5')).toBe('net.v2');
    expect(stemOf('mlp.neurovis.json')).toBe('mlp');
    expect(stemOf('weights')).toBe('weights');
    expect(stemOf('C:\\models\\x.tflite')).toBe('x');
  });
});

describe('isLocalReference', () => {
  it('keeps relative references inside the folder', () => {
    for (const ref of ['dense_W', 'constants/scale.bin', './a.bin', 'w\\b.bin']) expect(isLocalReference(ref), ref).toBe(true);
  });
  it('refuses references that climb out, are absolute or are URLs', () => {
    for (const ref of ['../secret.bin', 'weights/../../x.bin', '/etc/passwd', '\\\\server\\share\\x.bin', 'C:\\x.bin', 'https://evil.example/x.bin', 'file:///etc/passwd', '', 'a\0b', '.', 'weights/..']) {
      expect(isLocalReference(ref), ref).toBe(false);
    }
  });
});

describe('Keras weights-only .h5 with its architecture JSON', () => {
  it('reads to the same network as the full-model file it was made from (make_weights_only.py)', () => {
    const full = readModel([file('test/fixtures/keras/keras2.4_functional_convnet.h5')]);
    const split = readModel([file('test/fixtures/keras/keras2.4_functional_convnet_weights.h5'), file('test/fixtures/keras/keras2.4_functional_convnet_weights.json')]);
    expect(split.nodes.map((n) => [n.opType, n.inputs, n.outputs, n.attrs])).toEqual(full.nodes.map((n) => [n.opType, n.inputs, n.outputs, n.attrs]));
    expect(split.nodes.length).toBeGreaterThan(10);
    expect([...split.initializers.keys()]).toEqual([...full.initializers.keys()]);
    for (const [name, tensor] of full.initializers) expect(split.initializers.get(name)?.data, name).toEqual(tensor.data);
  });

  it('without the JSON: one error naming the missing file', () => {
    expect(() => readModel([file('test/fixtures/keras/keras2.4_functional_convnet_weights.h5')])).toThrow(
      'keras2.4_functional_convnet_weights.h5: holds weights only, no model_config; its architecture keras2.4_functional_convnet_weights.json (model.to_json()) is missing beside it',
    );
  });
});
