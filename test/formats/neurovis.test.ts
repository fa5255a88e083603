import { describe, expect, it } from 'vitest';
import { ModelError } from '../../workers/engine/graph';
import { prepare } from '../../workers/engine/prepare';
import { reverseLayer } from '../../workers/engine/reverse';
import { readModel } from '../../workers/formats/index';
import { decodeNpz } from '../../workers/formats/numpy/npz';
import { encodeNpy } from '../../workers/formats/numpy/npy';
import { materialize, serializeNetwork } from '../../workers/formats/neurovis/network';
import { inferSpecShapes, type NetworkSpec } from '../../workers/formats/neurovis/spec';
import { zipSync } from 'fflate';

const encoder = new TextEncoder();
const asFile = (name: string, text: string) => ({ name, bytes: encoder.encode(text) });

/** The example of the original derivation: a 2×2 kernel on a 3×3 input, no padding, stride 1. */
const kernel = [1, 2, 3, 4];
const derivation: NetworkSpec = {
  format: 'neurovis',
  version: 1,
  name: 'kernel2x2-on-3x3',
  input: { shape: [1, 3, 3] },
  layers: [{ kind: 'conv2d', name: 'conv', filters: 1, kernel: 2, bias: false }],
  weights: { conv: { W: { shape: [1, 1, 2, 2], data: kernel } } },
};

describe('.neurovis.json networks', () => {
  it('reproduces the hand-derived transposed matrix of a 2×2 kernel on a 3×3 input', () => {
    const model = prepare(readModel([asFile('k.neurovis.json', JSON.stringify(derivation))]));
    const layer = model.layers[0];
    expect(layer.featureShape).toEqual([1, 2, 2]);
    // Output (k,l) collects w_pq from input (k+p, l+q): row (k,l) of the 4×9 matrix.
    const expected: number[][] = [];
    for (let k = 0; k < 2; k++) {
      for (let l = 0; l < 2; l++) {
        const row = new Array<number>(9).fill(0);
        for (let p = 0; p < 2; p++) for (let q = 0; q < 2; q++) row[(k + p) * 3 + (l + q)] = kernel[p * 2 + q];
        expected.push(row);
      }
    }
    const norm = Math.hypot(...kernel);
    for (let pos = 0; pos < 4; pos++) {
      const position = [Math.floor(pos / 2), pos % 2];
      const r = reverseLayer(model, layer.id, [0], { mode: 'exact', objective: { kind: 'position', position }, radius: norm });
      expect(Array.from(r.xstar).map((v) => Math.round(v * 1e5) / 1e5)).toEqual(expected[pos]);
    }
  });

  it('gives live shape errors at the layer that causes them', () => {
    const r = inferSpecShapes({ input: { shape: [1, 28, 28] }, layers: [{ kind: 'conv2d', filters: 4, kernel: 3 }, { kind: 'dense', units: 10 }] });
    expect(r.shapes).toEqual([[4, 26, 26]]);
    expect(r.error).toEqual({ layer: 1, message: expect.stringMatching(/dense needs a vector input.*add a flatten layer/) });
    expect(inferSpecShapes({ input: { shape: [1, 4, 4] }, layers: [{ kind: 'conv2d', filters: 2, kernel: 7 }] }).error?.layer).toBe(0);
  });

  it('saves and reopens a network with the same weights, inline or with a sidecar .npz', () => {
    const spec: NetworkSpec = {
      format: 'neurovis',
      version: 1,
      name: 'mlp',
      input: { shape: [300] },
      layers: [{ kind: 'dense', units: 400, init: { kind: 'orthogonal', seed: 3 } }, { kind: 'dense', units: 10, init: { kind: 'normal', seed: 4 } }],
    };
    const net = materialize(spec);
    const { json, sidecar } = serializeNetwork(net, 'mlp.weights.npz');
    expect(sidecar.size).toBeGreaterThan(0);
    const members: Record<string, Uint8Array> = {};
    for (const [k, t] of sidecar) members[`${k}.npy`] = encodeNpy(t.shape, t.data as Float32Array);
    const npz = { name: 'mlp.weights.npz', bytes: zipSync(members) };
    expect(decodeNpz(npz.bytes, npz.name).size).toBe(sidecar.size);
    const reopened = readModel([asFile('mlp.neurovis.json', json), npz]);
    expect(Array.from(reopened.initializers.get('dense1.W')!.data)).toEqual(Array.from(net.params.get('dense1')!.get('W')!.data));
    expect(() => readModel([asFile('mlp.neurovis.json', json)])).toThrow(/weights are in "mlp\.weights\.npz"; drop that file together with it/);
  });

  it('initialises orthogonal weights with orthonormal rows', () => {
    const net = materialize({ format: 'neurovis', version: 1, name: 'o', input: { shape: [8] }, layers: [{ kind: 'dense', units: 5, init: { kind: 'orthogonal', seed: 9 } }] });
    const w = net.params.get('dense1')!.get('W')!.data;
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 5; j++) {
        let d = 0;
        for (let k = 0; k < 8; k++) d += w[i * 8 + k] * w[j * 8 + k];
        expect(d).toBeCloseTo(i === j ? 1 : 0, 5);
      }
    }
  });

  it('refuses files that are not networks, or are from a newer version', () => {
    expect(() => readModel([asFile('x.neurovis.json', '{"format": "neurovis", "version": 9, "input": {"shape": [1]}, "layers": []}')])).toThrow(/newer Neurovis/);
    expect(() => readModel([asFile('x.neurovis.json', '{"format": "neurovis", "version": 1, "input": {"shape": [1]}, "layers": [{"kind": "teleport"}]}')])).toThrow(ModelError);
    expect(() => readModel([asFile('x.neurovis.json', '{"format": "neurovis", "version": 1, "input": {"shape": [4]}, "layers": [{"kind": "dense", "units": 2}], "weights": {"dense1": {"W": {"shape": [2, 4], "data": [1]}}}}')])).toThrow(/dense1, W: needs 8 numbers/);
  });
});

describe('.neurovis.json sizes', () => {
  it('refuses absurd layer sizes before allocating them', () => {
    const text = '{"format": "neurovis", "version": 1, "name": "huge", "input": {"shape": [100000]}, "layers": [{"kind": "dense", "units": 60000000}]}';
    expect(() => readModel([asFile('huge.neurovis.json', text)])).toThrow(/huge\.neurovis\.json: (layer dense1, W: \[60000000, 100000\] is more weights|layer 1)/);
  });
});
