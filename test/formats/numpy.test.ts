import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelError } from '../../workers/engine/graph';
import { prepare } from '../../workers/engine/prepare';
import { reverseLayer } from '../../workers/engine/reverse';
import { readModel } from '../../workers/formats/index';
import { AmbiguousOrientationError, naturalCompare } from '../../workers/formats/numpy/chain';
import { decodeNpy, encodeNpy } from '../../workers/formats/numpy/npy';
import type { ReadOptions } from '../../workers/formats/types';

const dir = join(__dirname, '..', 'fixtures', 'numpy');
const file = (name: string) => ({ name, bytes: new Uint8Array(readFileSync(join(dir, name))) });
type Oracle = { layers?: string[]; inputShape: number[]; values: { xstar: number[][]; norms: number[] }[] };
const oracle = JSON.parse(readFileSync(join(dir, 'oracle.json'), 'utf8')) as Record<string, Oracle & Record<string, Oracle>>;

function checkAgainst(name: string, expected: Oracle, options: ReadOptions = {}): void {
  const model = prepare(readModel([file(name)], options));
  expect(model.inputFeatureShape).toEqual(expected.inputShape);
  expect(model.layers.length).toBe(expected.values.length);
  model.layers.forEach((layer, k) => {
    if (expected.layers) expect(layer.id).toBe(expected.layers[k]);
    const neurons = Array.from({ length: layer.neurons }, (_, i) => i);
    const r = reverseLayer(model, layer.id, neurons, { mode: 'exact', objective: { kind: 'neuron' }, radius: 1 });
    const size = expected.inputShape.reduce((a, b) => a * b, 1);
    neurons.forEach((n) => {
      expect(r.norms[n]).toBeCloseTo(expected.values[k].norms[n], 3);
      for (let i = 0; i < size; i++) expect(Math.abs(r.xstar[n * size + i] - expected.values[k].xstar[n][i])).toBeLessThanOrEqual(1e-5);
    });
  });
}

describe('NumPy chains', () => {
  it('orders arr_0 … arr_11 numerically, pairs biases, infers x·W, and matches the NumPy oracle', () => {
    checkAgainst('chain12.npz', oracle['chain12.npz']);
    const g = readModel([file('chain12.npz')]);
    expect(g.source.notes?.[0]).toMatch(/rows are inputs \(x·W\), inferred/);
  });

  it('pairs fc1.bias with fc1.weight and infers W·x', () => {
    checkAgainst('torch_style.npz', oracle['torch_style.npz']);
  });

  it('asks when both orientations chain, and reads either when told', () => {
    expect(() => readModel([file('single.npy')])).toThrow(AmbiguousOrientationError);
    expect(() => readModel([file('square.npz')])).toThrow(AmbiguousOrientationError);
    checkAgainst('single.npy', oracle['single.npy']['rows-are-inputs'], { orientation: 'rows-are-inputs' });
    checkAgainst('single.npy', oracle['single.npy']['rows-are-outputs'], { orientation: 'rows-are-outputs' });
  });

  it('names the shapes when the arrays do not chain', () => {
    expect(() => readModel([file('broken.npz')])).toThrow(/broken\.npz: the arrays do not chain in either orientation: arr_0 \(6×5\), arr_1 \(7×3\)/);
  });

  it('sorts names naturally', () => {
    expect(['arr_10', 'arr_2', 'arr_1', 'arr_0'].sort(naturalCompare)).toEqual(['arr_0', 'arr_1', 'arr_2', 'arr_10']);
  });
});

describe('.npy codec', () => {
  it('round-trips float32 arrays and reads what NumPy wrote', () => {
    const data = Float32Array.from({ length: 24 }, (_, i) => i * 0.5 - 3);
    const t = decodeNpy(encodeNpy([2, 3, 4], data), 'x.npy');
    expect(t.shape).toEqual([2, 3, 4]);
    expect(Array.from(t.data)).toEqual(Array.from(data));
    const single = decodeNpy(file('single.npy').bytes, 'single.npy');
    expect(single.shape).toEqual([5, 3]);
    expect(single.dtype).toBe('float32');
  });

  it('refuses a header that declares more data than the file holds, without allocating it', () => {
    const good = encodeNpy([2, 2], new Float32Array(4));
    const header = new TextDecoder('latin1').decode(good.subarray(10, 10 + (good[8] | (good[9] << 8))));
    const lying = header.replace('(2, 2)', '(100000, 100000)').padEnd(header.length - 1, ' ').slice(0, header.length - 1) + '\n';
    const bytes = new Uint8Array(good);
    for (let i = 0; i < lying.length; i++) bytes[10 + i] = lying.charCodeAt(i);
    expect(() => decodeNpy(bytes, 'lying.npy')).toThrow(/lying\.npy: the header declares shape \(100000, 100000\)/);
  });

  it('gives a ModelError for every truncation and mutation of a fixture', () => {
    const original = file('chain12.npz').bytes;
    let seed = 1;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let errors = 0;
    let models = 0;
    for (let i = 0; i < 50; i++) {
      const cut = original.subarray(0, Math.floor(rand() * original.length));
      try {
        readModel([{ name: 'cut.npz', bytes: cut }]);
        models++;
      } catch (e) {
        expect(e).toBeInstanceOf(ModelError);
        errors++;
      }
    }
    for (let i = 0; i < 1000; i++) {
      const bytes = new Uint8Array(original);
      bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
      try {
        prepare(readModel([{ name: 'mutated.npz', bytes }]));
        models++;
      } catch (e) {
        expect(e).toBeInstanceOf(ModelError);
        errors++;
      }
    }
    console.log(`numpy reader: ${errors} clear errors, ${models} models read, of 1050 damaged files`);
    expect(errors + models).toBe(1050);
  });
});
