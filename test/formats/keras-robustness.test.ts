import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelError } from '../../workers/engine/graph';
import { prepare } from '../../workers/engine/prepare';
import { mulberry32 } from '../../workers/engine/random';
import { readKeras3, readKerasH5, readTfjs } from '../../workers/formats/keras/index';
import type { InputFile } from '../../workers/formats/types';
import { FIXTURES, inputFile, inputFiles } from '../fixtures/keras/oracle';

/** The project's seeded generator, so every run tries the same inputs. */
const random = mulberry32;

type Read = (main: InputFile, files: readonly InputFile[]) => unknown;

interface Counts {
  models: number;
  errors: number;
}

/**
 * Reads (and prepares) one candidate: it must give a model or a ModelError naming the file,
 * never another exception and never an internal error.
 */
function attempt(read: Read, main: InputFile, files: readonly InputFile[], counts: Counts): void {
  try {
    const graph = read(main, files);
    prepare(graph as Parameters<typeof prepare>[0]);
    counts.models++;
  } catch (e) {
    if (!(e instanceof ModelError)) throw new Error(`${main.name}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)} is not a ModelError`);
    expect(e.message).toContain(main.name);
    expect(e.message, 'an internal error slipped through').not.toContain('(internal:');
    counts.errors++;
  }
}

interface Target {
  readonly title: string;
  readonly read: Read;
  readonly files: () => InputFile[];
  /** Which of the files is mutated (the others stay intact). */
  readonly mutated: string;
  readonly main: string;
}

const keras = (name: string): (() => InputFile[]) => () => [inputFile(join(FIXTURES, 'keras', name))];
const tfjs = (): InputFile[] => inputFiles(join(FIXTURES, 'tfjs', 'convnet_quantized'));

const targets: Target[] = [
  { title: 'Keras .h5, contiguous datasets', read: readKerasH5, files: keras('keras2.4_functional_convnet.h5'), mutated: 'keras2.4_functional_convnet.h5', main: 'keras2.4_functional_convnet.h5' },
  { title: 'Keras .h5, chunked and compressed', read: readKerasH5, files: keras('keras2.4_functional_convnet_chunked.h5'), mutated: 'keras2.4_functional_convnet_chunked.h5', main: 'keras2.4_functional_convnet_chunked.h5' },
  { title: "Keras .h5, libver='latest'", read: readKerasH5, files: keras('keras2.4_functional_convnet_latest.h5'), mutated: 'keras2.4_functional_convnet_latest.h5', main: 'keras2.4_functional_convnet_latest.h5' },
  { title: 'Keras 2.0.9 .h5, fixed-length strings', read: readKerasH5, files: keras('keras2.0.9_model_conv1d.h5'), mutated: 'keras2.0.9_model_conv1d.h5', main: 'keras2.0.9_model_conv1d.h5' },
  { title: 'Keras 3 .keras, stored', read: readKeras3, files: keras('keras3_functional_nonlinear.keras'), mutated: 'keras3_functional_nonlinear.keras', main: 'keras3_functional_nonlinear.keras' },
  { title: 'Keras 3 .keras, deflated', read: readKeras3, files: keras('keras3_functional_nonlinear_deflated.keras'), mutated: 'keras3_functional_nonlinear_deflated.keras', main: 'keras3_functional_nonlinear_deflated.keras' },
  { title: 'TF.js model.json', read: readTfjs, files: tfjs, mutated: 'model.json', main: 'model.json' },
  { title: 'TF.js weight shard', read: readTfjs, files: tfjs, mutated: 'group1-shard1of2.bin', main: 'model.json' },
];

function withReplaced(files: InputFile[], name: string, bytes: Uint8Array): { main: (m: string) => InputFile; files: InputFile[] } {
  const replaced = files.map((f) => (f.name === name ? { name, bytes } : f));
  return { main: (m) => replaced.find((f) => f.name === m)!, files: replaced };
}

describe('bad input ends in a clear ModelError (or a correct model)', () => {
  for (const t of targets) {
    it(`${t.title}: random bytes, 50 truncations, 1,000 mutated copies`, () => {
      const files = t.files();
      const original = files.find((f) => f.name === t.mutated)!.bytes;
      const rnd = random(0x5eed + original.length);
      const counts = { random: { models: 0, errors: 0 }, truncated: { models: 0, errors: 0 }, mutated: { models: 0, errors: 0 } };
      for (let i = 0; i < 20; i++) {
        const noise = Uint8Array.from({ length: Math.floor(rnd() * 4096) }, () => Math.floor(rnd() * 256));
        // Half of them keep the file's first bytes (its signature), so parsing goes deeper.
        if (i % 2 === 1) noise.set(original.subarray(0, Math.min(noise.length, 64)));
        const c = withReplaced(files, t.mutated, noise);
        attempt(t.read, c.main(t.main), c.files, counts.random);
      }
      for (let i = 0; i < 50; i++) {
        const c = withReplaced(files, t.mutated, original.slice(0, Math.floor(rnd() * original.length)));
        attempt(t.read, c.main(t.main), c.files, counts.truncated);
      }
      for (let i = 0; i < 1000; i++) {
        const bytes = original.slice();
        const changes = 1 + Math.floor(rnd() * 3);
        for (let k = 0; k < changes; k++) bytes[Math.floor(rnd() * bytes.length)] = Math.floor(rnd() * 256);
        const c = withReplaced(files, t.mutated, bytes);
        attempt(t.read, c.main(t.main), c.files, counts.mutated);
      }
      console.log(`${t.title}: ${JSON.stringify(counts)}`);
      expect(counts.truncated.models + counts.truncated.errors).toBe(50);
      expect(counts.mutated.models + counts.mutated.errors).toBe(1000);
    });
  }
});

/** Replaces the first occurrence of `from` in `bytes` by `to` (same length). */
function patch(bytes: Uint8Array, from: Uint8Array, to: Uint8Array): Uint8Array {
  outer: for (let i = 0; i + from.length <= bytes.length; i++) {
    for (let k = 0; k < from.length; k++) if (bytes[i + k] !== from[k]) continue outer;
    const out = bytes.slice();
    out.set(to, i);
    return out;
  }
  throw new Error('pattern not found');
}

function u64s(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setBigUint64(8 * i, BigInt(v), true));
  return out;
}

function expectModelError(f: () => unknown, pattern: RegExp): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ModelError);
    expect((e as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('no error');
}

describe('headers that declare gigantic sizes are refused before anything is allocated', () => {
  const h5 = inputFile(join(FIXTURES, 'keras', 'keras2.4_functional_convnet.h5'));
  const arrayBuffers = (): number => process.memoryUsage().arrayBuffers;

  it('an HDF5 weight whose dataspace claims 2^60 elements: refused against the config, never read', () => {
    // The dataspace of block1/conv's kernel [3, 3, 2, 4]: rank-4 dims as 8-byte lengths.
    const bytes = patch(h5.bytes, u64s([3, 3, 2, 4]), u64s([2 ** 40, 2 ** 20, 2, 4]));
    const start = arrayBuffers();
    expectModelError(() => readKerasH5({ name: h5.name, bytes }), /layer "block1\/conv" \(Conv2D\): weight kernel has shape \[1099511627776, 1048576, 2, 4\], expected \[3, 3, 2, 4\]/);
    expect(arrayBuffers() - start).toBeLessThan(64 * 1024 * 1024);
  });

  it('a model config whose input is 100000 × 100000 pixels', () => {
    const bytes = patch(h5.bytes, new TextEncoder().encode('[null, 8, 10, 2]'), new TextEncoder().encode('[null,1e5,1e5,2]'));
    expectModelError(() => prepare(readKerasH5({ name: h5.name, bytes })), /shape|would produce|not a valid/);
  });

  it('a zip entry declaring 4 GB', () => {
    const zip = inputFile(join(FIXTURES, 'keras', 'keras3_functional_nonlinear_deflated.keras'));
    const bytes = zip.bytes.slice();
    const view = new DataView(bytes.buffer);
    // Every central directory record's uncompressed size (offset 24) set to ~4 GB.
    for (let p = 0; p + 46 <= bytes.length; p++) if (view.getUint32(p, true) === 0x02014b50) view.setUint32(p + 24, 0xfffffff0, true);
    expectModelError(() => readKeras3({ name: zip.name, bytes }), /declares|ZIP64/);
  });

  it('a TF.js manifest declaring a 10^5 × 10^5 weight', () => {
    const files = inputFiles(join(FIXTURES, 'tfjs', 'convnet_quantized'));
    const json = JSON.parse(new TextDecoder().decode(files.find((f) => f.name === 'model.json')!.bytes));
    json.weightsManifest[0].weights[0].shape = [100000, 100000];
    const main = { name: 'model.json', bytes: new TextEncoder().encode(JSON.stringify(json)) };
    expectModelError(() => readTfjs(main, [main, ...files.filter((f) => f.name !== 'model.json')]), /declares|hold/);
  });

  it('a TF.js model whose shard is missing or short', () => {
    const files = inputFiles(join(FIXTURES, 'tfjs', 'convnet_quantized'));
    const main = files.find((f) => f.name === 'model.json')!;
    expectModelError(() => readTfjs(main, files.filter((f) => f.name !== 'group1-shard2of2.bin')), /"group1-shard2of2\.bin" is missing/);
    const short = files.map((f) => (f.name === 'group1-shard2of2.bin' ? { name: f.name, bytes: f.bytes.subarray(0, 100) } : f));
    expectModelError(() => readTfjs(main, short), /hold \d+ bytes; the manifest needs/);
  });
});

describe('files that are not what they claim', () => {
  it('an HDF5 file that holds weights only names the problem', () => {
    const h5 = inputFile(join(FIXTURES, 'keras', 'keras2.4_functional_convnet.h5'));
    const bytes = patch(h5.bytes, new TextEncoder().encode('model_config'), new TextEncoder().encode('model_cXnfig'));
    expectModelError(() => readKerasH5({ name: h5.name, bytes }), /weights only/);
  });

  it('a TF.js graph model is refused as such', () => {
    const main = { name: 'model.json', bytes: new TextEncoder().encode(JSON.stringify({ format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [] })) };
    expectModelError(() => readTfjs(main, [main]), /graph model/);
  });

  it('a subclassed model has no config to rebuild', () => {
    const main = { name: 'model.json', bytes: new TextEncoder().encode(JSON.stringify({ modelTopology: { class_name: 'MyModel', config: {} } })) };
    expectModelError(() => readTfjs(main, [main]), /"MyModel".*Sequential and Functional/);
  });

  it('an unsupported layer is named with its class', () => {
    const files = inputFiles(join(FIXTURES, 'tfjs', 'convnet_quantized'));
    const json = JSON.parse(new TextDecoder().decode(files.find((f) => f.name === 'model.json')!.bytes));
    json.modelTopology.model_config.config.layers[1].class_name = 'LSTM';
    const main = { name: 'model.json', bytes: new TextEncoder().encode(JSON.stringify(json)) };
    expectModelError(() => readTfjs(main, [main, ...files.filter((f) => f.name !== 'model.json')]), /layer "block1\/conv" \(LSTM\): this Keras layer is not supported/);
  });

  it('an empty model.json', () => {
    const main = { name: 'model.json', bytes: new Uint8Array(0) };
    expectModelError(() => readTfjs(main, [main]), /model\.json/);
  });
});
