import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Hdf5Dataset, Hdf5Error, Hdf5File, type Hdf5Group } from '../../workers/formats/hdf5/index';
import { FIXTURES } from '../fixtures/keras/oracle';

/** Contents h5py wrote (test/fixtures/keras/make_fixtures.py, hdf5_features). */
interface Expected {
  readonly datasets: Record<string, { shape: number[]; values: number[] }>;
  readonly attributes: Record<string, string | string[] | number[] | { repeat: string; length: number }>;
}

const expected = JSON.parse(readFileSync(join(FIXTURES, 'keras', 'hdf5_features.expected.json'), 'utf8')) as Expected;
const open = (name: string): Hdf5File => new Hdf5File(new Uint8Array(readFileSync(join(FIXTURES, 'keras', name))));

function checkFile(file: Hdf5File): void {
  for (const [path, want] of Object.entries(expected.datasets)) {
    const ds = file.root.dataset(path);
    expect(ds, path).toBeInstanceOf(Hdf5Dataset);
    expect(ds!.dims, path).toEqual(want.shape);
    const got = Array.from(ds!.readFloat32());
    expect(got.length, path).toBe(want.values.length);
    got.forEach((v, i) => expect(Math.abs(v - want.values[i]), `${path}[${i}]`).toBeLessThanOrEqual(Math.abs(want.values[i]) * 1e-7));
  }
  for (const [name, want] of Object.entries(expected.attributes)) {
    const got = file.root.attribute(name);
    expect(got, name).toBeDefined();
    const values = got!.values;
    if (typeof want === 'string') expect(values).toEqual([want]);
    else if (Array.isArray(want)) expect(values).toEqual(want);
    else expect(values).toEqual([want.repeat.repeat(want.length)]);
  }
  const many = file.root.group('many') as Hdf5Group;
  expect(many.keys().sort()).toEqual(Array.from({ length: 40 }, (_, i) => `member_${String(i).padStart(2, '0')}`));
  expect(many.attributeNames().filter((n) => /^a\d\d$/.test(n)).length).toBe(12);
}

describe('the HDF5 reader reads what h5py writes', () => {
  it("libver='earliest': superblock 0, symbol-table groups over several B-tree leaves, v1 headers", () => {
    const file = open('hdf5_features.h5');
    expect(file.superblockVersion).toBe(0);
    checkFile(file);
  });

  it("libver='latest': superblock 3, link messages, dense links and attributes, huge heap objects", () => {
    const file = open('hdf5_features_latest.h5');
    expect(file.superblockVersion).toBe(3);
    checkFile(file);
    const big = file.root.group('many')!.attribute('big');
    expect(big?.kind).toBe('strings');
    expect(big?.values.length).toBe(70000);
  });

  it('a file behind a 512-byte user block', () => {
    const file = open('hdf5_userblock.h5');
    expect(Array.from(file.root.dataset('values')!.readFloat32())).toEqual([0, 1, 2, 3, 4]);
  });

  it('returns float32 data stored contiguously as a view of the file, not a copy', () => {
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'keras', 'keras2.4_functional_convnet.h5')));
    const file = new Hdf5File(bytes);
    const kernel = file.root.dataset('model_weights/block1/conv/block1/conv/kernel:0')!;
    const values = kernel.readFloat32();
    expect(kernel.dims).toEqual([3, 3, 2, 4]);
    if (values.byteOffset % 4 === 0) expect(values.buffer).toBe(bytes.buffer);
  });
});

function u64s(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setBigUint64(8 * i, BigInt(v), true));
  return out;
}

function patched(name: string, from: Uint8Array, to: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'keras', name)));
  outer: for (let i = 0; i + from.length <= bytes.length; i++) {
    for (let k = 0; k < from.length; k++) if (bytes[i + k] !== from[k]) continue outer;
    bytes.set(to, i);
    return bytes;
  }
  throw new Error('pattern not found');
}

describe('the HDF5 reader refuses sizes a file cannot hold, before allocating them', () => {
  const kernel = 'model_weights/block1/conv/block1/conv/kernel:0';

  it('a dataspace of 2^60 elements', () => {
    const file = new Hdf5File(patched('keras2.4_functional_convnet.h5', u64s([3, 3, 2, 4]), u64s([2 ** 40, 2 ** 20, 2, 4])));
    expect(() => file.root.dataset(kernel)!.readFloat32()).toThrow(Hdf5Error);
    expect(() => file.root.dataset(kernel)!.readFloat32()).toThrow(/too large|declares/);
  });

  it('a contiguous dataset of 2^28 floats in a 56 KB file', () => {
    const file = new Hdf5File(patched('keras2.4_functional_convnet.h5', u64s([3, 3, 2, 4]), u64s([1024, 1024, 16, 16])));
    expect(() => file.root.dataset(kernel)!.readFloat32()).toThrow(/outside the file/);
  });

  it('a chunked dataset of 2^28 floats in a 90 KB file', () => {
    const file = new Hdf5File(patched('keras2.4_functional_convnet_chunked.h5', u64s([3, 3, 2, 4]), u64s([1024, 1024, 16, 16])));
    expect(() => file.root.dataset(kernel)!.readFloat32()).toThrow(/declares \d+ bytes, more than/);
  });

  it('not an HDF5 file at all', () => {
    expect(() => new Hdf5File(new TextEncoder().encode('{"modelTopology": {}}'))).toThrow(/no HDF5 signature/);
  });
});
