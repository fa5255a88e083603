import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runForward } from '../../workers/engine/forward';
import { ModelError, type AttrValue, type Graph } from '../../workers/engine/graph';
import { prepare } from '../../workers/engine/prepare';
import type { Tensor } from '../../workers/engine/tensor';
import { detect, readModel, type InputFile } from '../../workers/formats/index';
import { decodeTensorProto, onnxFormat, readOnnx } from '../../workers/formats/onnx/index';
import { mulberry32 } from '../../workers/engine/random';

const here = dirname(fileURLToPath(import.meta.url));
const READER_DIR = join(here, '..', 'fixtures', 'linear', 'reader');
const SHARED_DIR = join(here, '..', '..', '..', 'shared', 'models', 'onnx');
const hasShared = existsSync(SHARED_DIR);

interface TensorSummary {
  name: string;
  dims: number[];
  dataType: number;
  values: number[] | null;
  count: number;
  sum: number;
  first: number[];
}
type ExpectedAttr = number | string | number[] | string[] | { tensor: TensorSummary } | { graph: string; nodes: string[] };
interface ExpectedModel {
  producer: string;
  opset: number | null;
  inputs: { name: string; dims: (number | string | null)[] | null; elemType: number }[];
  outputs: string[];
  nodes: { name: string; opType: string; domain: string; inputs: string[]; outputs: string[]; attrs: Record<string, ExpectedAttr> }[];
  initializers: TensorSummary[];
  sparseInitializers: { name: string; dims: number[]; values: number[] }[];
}
const expected = JSON.parse(readFileSync(join(READER_DIR, 'expected.json'), 'utf8')) as {
  fixtures: Record<string, ExpectedModel>;
  shared: Record<string, ExpectedModel>;
};

function fixture(name: string): InputFile {
  return { name, bytes: new Uint8Array(readFileSync(join(READER_DIR, name))) };
}

function shared(name: string): InputFile {
  return { name, bytes: new Uint8Array(readFileSync(join(SHARED_DIR, name))) };
}

const FLOAT_TYPES = new Set([1, 10, 11, 16]);

function expectTensor(t: Tensor, e: TensorSummary, where: string): void {
  expect(t.shape, `${where} shape`).toEqual(e.dims);
  expect(t.dtype, `${where} dtype`).toBe(FLOAT_TYPES.has(e.dataType) ? 'float32' : e.dataType === 9 ? 'bool' : 'int64');
  expect(t.data.length, `${where} count`).toBe(e.count);
  // Doubles are held as float32; every other type is exact.
  const as = (v: number): number => (e.dataType === 11 ? Math.fround(v) : v);
  if (e.values) {
    expect(Array.from(t.data), `${where} values`).toEqual(e.values.map(as));
  } else {
    expect(Array.from(t.data.subarray(0, 4)), `${where} first values`).toEqual(e.first.map(as));
    let sum = 0;
    for (const v of t.data) sum += v;
    expect(Math.abs(sum - e.sum), `${where} sum ${sum} vs ${e.sum}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(e.sum)) * Math.sqrt(e.count));
  }
}

function expectAttr(actual: AttrValue | undefined, e: ExpectedAttr, where: string): void {
  if (typeof e === 'number') {
    // Float attributes are float32 in the file; Python shows them as the same doubles.
    expect(actual, where).toBe(e);
  } else if (typeof e === 'string' || Array.isArray(e)) {
    expect(actual, where).toEqual(e);
  } else if ('tensor' in e) {
    expectTensor(actual as Tensor, e.tensor, where);
  } else {
    const g = actual as Graph;
    expect(g.nodes.map((n) => n.opType), where).toEqual(e.nodes);
  }
}

/** Compares the reader's Graph with what onnx's own decoder read from the same file. */
function expectMatches(g: Graph, e: ExpectedModel): void {
  if (e.producer) expect(g.source.producer).toBe(e.producer);
  expect(g.source.opset).toBe(e.opset ?? undefined);
  expect(g.inputs.map((i) => i.name)).toEqual(e.inputs.map((i) => i.name));
  g.inputs.forEach((input, k) => {
    expect(input.dims, `input ${input.name}`).toEqual(e.inputs[k].dims ?? []);
    expect(input.dtype).toBe(FLOAT_TYPES.has(e.inputs[k].elemType) ? 'float32' : e.inputs[k].elemType === 9 ? 'bool' : 'int64');
  });
  expect(g.outputs).toEqual(e.outputs);
  expect(g.nodes.length).toBe(e.nodes.length);
  const names = new Set<string>();
  g.nodes.forEach((n, k) => {
    const en = e.nodes[k];
    expect(n.opType).toBe(en.domain && en.domain !== 'ai.onnx' ? `${en.domain}.${en.opType}` : en.opType);
    if (en.name && !names.has(en.name)) expect(n.name).toBe(en.name);
    expect(names.has(n.name), `node name ${n.name} is unique`).toBe(false);
    names.add(n.name);
    expect(n.inputs).toEqual(en.inputs);
    expect(n.outputs).toEqual(en.outputs);
    expect(Object.keys(n.attrs).sort()).toEqual(Object.keys(en.attrs).sort());
    for (const [key, value] of Object.entries(en.attrs)) expectAttr(n.attrs[key], value, `${n.name}.${key}`);
  });
  const dense = e.sparseInitializers ?? [];
  expect(g.initializers.size).toBe(new Set([...e.initializers.map((t) => t.name), ...dense.map((t) => t.name)]).size);
  for (const t of e.initializers) expectTensor(g.initializers.get(t.name)!, t, `initializer ${t.name}`);
  for (const t of dense) {
    expect(g.initializers.get(t.name)!.shape).toEqual(t.dims);
    expect(Array.from(g.initializers.get(t.name)!.data)).toEqual(t.values);
  }
}

describe('ONNX reader against onnx’s own decoder', () => {
  it.each(Object.keys(expected.fixtures))('fixture %s', (name) => {
    const files = readdirSync(READER_DIR)
      .filter((f) => f.startsWith(name.replace(/\.onnx$/, '')))
      .map(fixture);
    const { reader, main } = detect(files);
    expect(reader.format).toBe('onnx');
    expect(main.name).toBe(name);
    expectMatches(readModel(files), expected.fixtures[name]);
  });

  it.skipIf(!hasShared)('real models in ../shared/models/onnx (skipped when that folder is missing)', () => {
    const names = readdirSync(SHARED_DIR).filter((f) => f.endsWith('.onnx'));
    expect(names.sort()).toEqual(Object.keys(expected.shared).sort());
    for (const name of names) {
      const file = shared(name);
      expect(onnxFormat.sniff(file)).toBe(true);
      // The file's own nodes: a quantised graph is otherwise read as its float network (onnx-quantized.test.ts).
      const g = readOnnx(file, [file], { dequantize: false });
      expectMatches(g, expected.shared[name]);
      expect(g.hasBatchDim).toBe(true);
      expect(g.channelAxis).toBe('first');
    }
  });
});

describe('ONNX reader: exporter quirks', () => {
  it('old IR: initializers listed as graph inputs are not model inputs; unnamed nodes get names; untyped attributes are read', () => {
    const g = readModel([fixture('old_ir.onnx')]);
    expect(g.inputs.map((i) => i.name)).toEqual(['x']);
    expect(g.nodes.map((n) => n.name)).toEqual(['MatMul_0', 'Add_1', 'Flatten_2']);
    expect(g.nodes[2].attrs.axis).toBe(1);
    expect(g.source.producer).toBe('old-tool 0.1');
    const model = prepare(g);
    expect(model.inputFeatureShape).toEqual([6]);
  });

  it('Constant nodes, a duplicate node name, another domain, If subgraphs, a sparse initializer', () => {
    const g = readModel([fixture('quirks.onnx')]);
    expect(g.nodes.map((n) => n.name)).toEqual(['const_value', 'const_ints', 'mul', 'reshape', 'if', 'custom', 'mul_6']);
    expect(g.nodes[5].opType).toBe('com.example.Gelu');
    const thenBranch = g.nodes[4].attrs.then_branch as Graph;
    expect((thenBranch.nodes[0].attrs.value as Tensor).data[0]).toBe(1);
    expect(g.source.notes?.join(' ')).toMatch(/com\.example 1/);
    expect(g.hasBatchDim).toBe(true);
    expect(g.inputs[0].dims).toEqual(['N', 2]);
  });

  it('float16 weights become float32 and run', () => {
    const g = readModel([fixture('float16_weights.onnx')]);
    const w = g.initializers.get('w')!;
    expect(w.dtype).toBe('float32');
    expect(w.data[0]).toBe(65504);
    expect(w.data[1]).toBe(2 ** -24);
    expect(Object.is(w.data[2], -0)).toBe(true);
    const model = prepare(g);
    const x = Float32Array.from([1, -2, 0.5, 3, -1]);
    const y = runForward(model, x).get('y')!.data;
    const b = g.initializers.get('b')!.data;
    for (let o = 0; o < 3; o++) {
      let s = b[o];
      for (let i = 0; i < 5; i++) s += w.data[o * 5 + i] * x[i];
      expect(y[o]).toBeCloseTo(s, 0);
    }
  });

  it('external data is read from the file given with the model, and refused when missing or short', () => {
    const main = fixture('external_data.onnx');
    const weights = fixture('external_data.weights');
    const g = readModel([main, weights]);
    expect(g.initializers.get('w')!.shape).toEqual([4, 3, 3, 3]);
    expect(() => readModel([main])).toThrow(/external_data\.onnx.*"w".*external_data\.weights.*not given/);
    const short = { name: 'external_data.weights', bytes: weights.bytes.subarray(0, weights.bytes.length - 8) };
    expect(() => readModel([main, short])).toThrow(/beyond the end of "external_data\.weights"/);
    // Found by base name, wherever the user's copy lives.
    expect(readModel([main, { name: '/tmp/elsewhere/external_data.weights', bytes: weights.bytes }]).initializers.size).toBe(2);
  });

  it('float32 initializers are views of the file bytes where aligned, not copies', () => {
    const file = hasShared ? shared('pytorch_mobilenetv2_slim_mnist.onnx') : fixture('external_data.onnx');
    const g = readModel(hasShared ? [file] : [file, fixture('external_data.weights')]);
    const views = [...g.initializers.values()].filter((t) => t.data.buffer === file.bytes.buffer || t.data.byteLength === 0);
    const floats = [...g.initializers.values()].filter((t) => t.dtype === 'float32');
    expect(floats.length).toBeGreaterThan(0);
    if (hasShared) expect(views.length).toBeGreaterThan(0);
  });
});

/* ------------------------------------------------------------- bad input, built byte by byte */

function varint(n: number): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, BigInt(n));
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}
const key = (field: number, wire: number): number[] => varint(field * 8 + wire);
const num = (field: number, v: number): number[] => [...key(field, 0), ...varint(v)];
const bytesField = (field: number, payload: ArrayLike<number>): number[] => [...key(field, 2), ...varint(payload.length), ...Array.from(payload)];
const str = (field: number, s: string): number[] => bytesField(field, Array.from(s, (c) => c.charCodeAt(0)));

function tensorProto(name: string, dims: number[], raw: number[] | undefined, dataType = 1): number[] {
  return [...dims.flatMap((d) => num(1, d)), ...num(2, dataType), ...str(8, name), ...(raw ? bytesField(9, raw) : [])];
}

/** A ModelProto with one Gemm node, its weight W given as raw TensorProto bytes. */
function gemmModel(weight: number[]): Uint8Array {
  const input = [...str(1, 'x'), ...bytesField(2, bytesField(1, [...num(1, 1), ...bytesField(2, [...bytesField(1, num(1, 1)), ...bytesField(1, num(1, 4))])]))];
  const node = [...str(1, 'x'), ...str(1, 'W'), ...str(2, 'y'), ...str(3, 'fc'), ...str(4, 'Gemm')];
  const graph = [...bytesField(1, node), ...str(2, 'g'), ...bytesField(5, weight), ...bytesField(11, input), ...bytesField(12, str(1, 'y'))];
  return Uint8Array.from([...num(1, 7), ...str(2, 'handmade'), ...bytesField(7, graph), ...bytesField(8, [...str(1, ''), ...num(2, 13)])]);
}


function expectModelError(f: () => unknown, fileName: string): ModelError {
  try {
    f();
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(ModelError);
    expect((e as Error).message).toContain(fileName);
    return e as ModelError;
  }
  throw new Error(`no error for ${fileName}`);
}

describe('ONNX reader: bad input', () => {
  it('the handmade model reads (so the failures below are about what was broken)', () => {
    const g = readModel([{ name: 'ok.onnx', bytes: gemmModel(tensorProto('W', [4, 2], new Array(32).fill(0))) }]);
    expect(g.initializers.get('W')!.shape).toEqual([4, 2]);
    expect(g.source.producer).toBe('handmade');
  });

  it('random bytes: never sniffed as ONNX, always a ModelError', () => {
    const next = mulberry32(1);
    let sniffed = 0;
    let errors = 0;
    const runs = 300;
    for (let k = 0; k < runs; k++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(next() * 4096) }, () => Math.floor(next() * 256));
      // Half of them start like a real model, to get past the first byte.
      if (k % 2 === 1) bytes.set([0x08, 0x07], 0);
      const file = { name: `random-${k}.onnx`, bytes };
      if (onnxFormat.sniff(file)) sniffed++;
      expectModelError(() => onnxFormat.read(file, [file], {}), file.name);
      errors++;
    }
    console.log(`random bytes: ${errors}/${runs} ModelErrors, ${sniffed} sniffed as ONNX`);
    expect(sniffed).toBe(0);
  });

  it('other formats are not sniffed as ONNX', () => {
    const samples = [
      Uint8Array.from([0x93, ...Array.from('NUMPY', (c) => c.charCodeAt(0)), 1, 0]),
      Uint8Array.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]),
      Uint8Array.from(Array.from('{"modelTopology": {}}', (c) => c.charCodeAt(0))),
      Uint8Array.from([0x50, 0x4b, 0x03, 0x04]),
      new Uint8Array(0),
    ];
    for (const bytes of samples) expect(onnxFormat.sniff({ name: 'x', bytes })).toBe(false);
  });

  it('truncated models: a ModelError at 50 random cut points', () => {
    const source = hasShared ? shared('pytorch_mobilenetv2_slim_mnist.onnx') : fixture('typed_fields.onnx');
    const next = mulberry32(2);
    let errors = 0;
    for (let k = 0; k < 50; k++) {
      const cut = 1 + Math.floor(next() * (source.bytes.length - 2));
      const file = { name: `cut-at-${cut}.onnx`, bytes: source.bytes.slice(0, cut) };
      const error = expectModelError(() => readModel([file]), file.name);
      expect(error.message).toMatch(/truncated|holds no graph|bytes|empty/);
      errors++;
    }
    console.log(`truncation of ${source.name}: ${errors}/50 ModelErrors`);
  });

  it('an initializer claiming more bytes than the file holds', () => {
    const lying = gemmModel(tensorProto('W', [4, 2], new Array(8).fill(0)));
    expect(expectModelError(() => readModel([{ name: 'short-raw.onnx', bytes: lying }]), 'short-raw.onnx').message).toMatch(/"W".*needs 32 bytes, raw_data holds 8/);
    // A raw_data length prefix far beyond the end of the file.
    const prefix = Uint8Array.from([...tensorProto('W', [4, 2], undefined), ...key(9, 2), ...varint(1e9), 1, 2, 3]);
    expect(expectModelError(() => readModel([{ name: 'long-raw.onnx', bytes: gemmModel(Array.from(prefix)) }]), 'long-raw.onnx').message).toMatch(/declares 1000000000 bytes/);
  });

  it('gigantic or invalid declared dims fail before anything is allocated', () => {
    const cases: [string, number[]][] = [
      ['huge.onnx', tensorProto('W', [1e12, 1e12], [])],
      ['big-no-data.onnx', tensorProto('W', [2 ** 30], undefined)],
      ['negative.onnx', tensorProto('W', [-4, 2], [])],
      ['int64-max.onnx', tensorProto('W', [Number.MAX_SAFE_INTEGER, 4], [])],
    ];
    for (const [name, weight] of cases) {
      const error = expectModelError(() => readModel([{ name, bytes: gemmModel(weight) }]), name);
      expect(error.message).toMatch(/"W"/);
    }
  });

  it('a graph input with gigantic dims is refused by prepare, not allocated', () => {
    const input = [...str(1, 'x'), ...bytesField(2, bytesField(1, [...num(1, 1), ...bytesField(2, [...bytesField(1, num(1, 1)), ...bytesField(1, num(1, 2 ** 40))])]))];
    const node = [...str(1, 'x'), ...str(2, 'y'), ...str(4, 'Identity')];
    const graph = [...bytesField(1, node), ...bytesField(11, input), ...bytesField(12, str(1, 'y'))];
    const bytes = Uint8Array.from([...num(1, 7), ...bytesField(7, graph), ...bytesField(8, num(2, 13))]);
    const g = readModel([{ name: 'wide-input.onnx', bytes }]);
    expect(g.inputs[0].dims).toEqual([1, 2 ** 40]);
    expectModelError(() => prepare(g), 'wide-input.onnx');
  });

  it('a file with no graph, an unknown data type, a string tensor', () => {
    expectModelError(() => readModel([{ name: 'nograph.onnx', bytes: Uint8Array.from(num(1, 7)) }]), 'nograph.onnx');
    expect(expectModelError(() => readModel([{ name: 'type99.onnx', bytes: gemmModel(tensorProto('W', [1], [0], 99)) }]), 'type99.onnx').message).toMatch(/type 99/);
    expect(expectModelError(() => readModel([{ name: 'strings.onnx', bytes: gemmModel(tensorProto('W', [1], undefined, 8)) }]), 'strings.onnx').message).toMatch(/strings/);
  });
});

describe('decodeTensorProto', () => {
  it('reads a conformance .pb file', () => {
    const dir = '/usr/share/libonnx-testdata/data/node/test_conv_with_strides_padding/test_data_set_0';
    if (!existsSync(dir)) return;
    const x = decodeTensorProto(new Uint8Array(readFileSync(join(dir, 'input_0.pb'))));
    expect(x.shape).toEqual([1, 1, 7, 5]);
    expect(Array.from(x.data.subarray(0, 5))).toEqual([0, 1, 2, 3, 4]);
  });

  it('reads unpacked repeated values and refuses a count that does not match the dims', () => {
    const floats = [1.5, -2, 3];
    const unpacked = floats.flatMap((v) => [...key(4, 5), ...new Uint8Array(Float32Array.from([v]).buffer)]);
    const ok = Uint8Array.from([...num(1, 3), ...num(2, 1), ...unpacked]);
    expect(Array.from(decodeTensorProto(ok).data)).toEqual(floats);
    const ints = Uint8Array.from([...num(1, 2), ...num(2, 7), ...num(7, -5), ...num(7, 2 ** 40)]);
    expect(Array.from(decodeTensorProto(ints).data)).toEqual([-5, 2 ** 40]);
    const wrong = Uint8Array.from([...num(1, 4), ...num(2, 1), ...unpacked]);
    expect(() => decodeTensorProto(wrong, 'wrong.pb')).toThrow(/wrong\.pb.*declares 4 values, the tensor holds 3/);
  });
});
