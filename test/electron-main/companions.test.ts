import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { companionReferences, planCompanions, resolveCompanion } from '../../electron/main/companions';
import { onnxExternalDataLocations } from '../../workers/formats/onnx/external-data';

const fixtures = path.join(import.meta.dirname, 'fixtures');
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe('ONNX external data', () => {
  it('finds every location onnx itself reports: initializers, a Constant attribute, a subgraph initializer', () => {
    const model = readFileSync(path.join(fixtures, 'onnx-external', 'model.onnx'));
    const expected = JSON.parse(readFileSync(path.join(fixtures, 'onnx-external.locations.json'), 'utf8')) as string[];
    expect(expected.length).toBe(4);
    expect([...onnxExternalDataLocations(model)].sort()).toEqual(expected);
  });

  it('gives nothing for a model without external data, or bytes that are not protobuf', () => {
    expect(onnxExternalDataLocations(new Uint8Array([0x08, 0x07]))).toEqual([]);
    expect(onnxExternalDataLocations(new Uint8Array([0x3a, 0xff, 0xff, 0xff, 0xff, 0x0f]))).toEqual([]);
    expect(onnxExternalDataLocations(new TextEncoder().encode('not a model at all'))).toEqual([]);
  });

  it('never throws on a model cut short anywhere', () => {
    const model = readFileSync(path.join(fixtures, 'onnx-external', 'model.onnx'));
    for (let cut = 0; cut < model.length; cut += 7) expect(Array.isArray(onnxExternalDataLocations(model.subarray(0, cut)))).toBe(true);
  });
});

describe('companionReferences', () => {
  it('lists TF.js weight shards of every manifest group', () => {
    const modelJson = json({
      format: 'layers-model',
      modelTopology: {},
      weightsManifest: [
        { paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: [] },
        { paths: ['group2-shard1of1.bin'], weights: [] },
      ],
    });
    expect(companionReferences('model.json', modelJson)).toEqual(['group1-shard1of2.bin', 'group1-shard2of2.bin', 'group2-shard1of1.bin']);
  });

  it('lists the .npz sidecar of a .neurovis.json', () => {
    expect(companionReferences('mlp.neurovis.json', json({ format: 'neurovis', version: 1, sidecar: 'mlp.npz', layers: [] }))).toEqual(['mlp.npz']);
    expect(companionReferences('inline.neurovis.json', json({ format: 'neurovis', version: 1, layers: [] }))).toEqual([]);
  });

  it('lists nothing for other files, broken JSON or JSON without a manifest', () => {
    expect(companionReferences('weights.npz', new Uint8Array([0x50, 0x4b, 3, 4]))).toEqual([]);
    expect(companionReferences('model.json', new TextEncoder().encode('{"weightsManifest": ['))).toEqual([]);
    expect(companionReferences('model.json', json({ weightsManifest: 'x' }))).toEqual([]);
    expect(companionReferences('model.json', json([1, 2]))).toEqual([]);
  });
});

describe('resolveCompanion', () => {
  const model = path.join('/models', 'net', 'model.json');

  it('keeps references inside the model folder', () => {
    expect(resolveCompanion(model, 'group1-shard1of1.bin')).toBe(path.join('/models', 'net', 'group1-shard1of1.bin'));
    expect(resolveCompanion(model, './weights/a.bin')).toBe(path.join('/models', 'net', 'weights', 'a.bin'));
  });

  it('refuses references that climb out, are absolute or are URLs', () => {
    for (const ref of ['../secret.bin', 'weights/../../x.bin', '/etc/passwd', '\\\\server\\share\\x.bin', 'C:\\x.bin', 'https://evil.example/x.bin', 'file:///etc/passwd', '', 'a\0b', '.', 'weights/..']) {
      expect(resolveCompanion(model, ref), ref).toBeNull();
    }
  });

  it('reports what it refuses in the plan', () => {
    const plan = planCompanions(model, json({ weightsManifest: [{ paths: ['ok.bin', '../../home/ada/.ssh/id_rsa'] }] }));
    expect(plan.paths).toEqual([path.join('/models', 'net', 'ok.bin')]);
    expect(plan.refused).toEqual([{ reference: '../../home/ada/.ssh/id_rsa', message: 'model.json: refers to "../../home/ada/.ssh/id_rsa", outside the model\'s folder; not read' }]);
  });
});
