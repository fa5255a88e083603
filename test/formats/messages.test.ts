// Issue 19: whatever is wrong with a file, the message a person reads names the problem in
// words: never "[object Object]", a raw TypeError/RangeError/URIError, "undefined" or
// "Cannot read properties". A corpus of damaged fixtures (truncations and byte flips, made
// here with a seeded generator) goes through the readers and prepare, and one of each model
// through the CLI.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepare } from '../../workers/engine/prepare';
import { mulberry32 } from '../../workers/engine/random';
import { errorMessage } from '../../workers/engine/graph';
import { readModel, type InputFile } from '../../workers/formats/index';
import { model, node, valueInfo } from '../helpers/onnx-writer';

const root = join(__dirname, '..', '..');
const fixtures = join(root, 'test', 'fixtures');
const cli = join(root, 'dist', 'node', 'cli.js');

/** What a message must never contain. */
const UNCLEAR = /\[object Object\]|TypeError|RangeError|URIError|undefined|Cannot read properties/;

/** The models damaged: one main file each (companions are given undamaged). */
const MODELS = [
  'linear/reader/typed_fields.onnx',
  'linear/models/conv_dilation_groups.onnx',
  'modes/mixed_mlp.onnx',
  'tflite/conv_i8.tflite',
  'tflite/activations_f32.tflite',
  'keras/keras2.4_functional_convnet.h5',
  'keras/keras2.4_functional_convnet_chunked.h5',
  'keras/keras3_functional_nonlinear_deflated.keras',
  'keras/keras3_sequential_mlp.keras',
  'numpy/chain12.npz',
];

interface Damaged {
  readonly label: string;
  readonly file: InputFile;
}

/** Truncations and single-byte flips of a file, the same every run. */
function damaged(path: string, count: number): Damaged[] {
  const original = new Uint8Array(readFileSync(join(fixtures, path)));
  const name = basename(path);
  const rand = mulberry32(original.length);
  const out: Damaged[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = new Uint8Array(original);
    if (i % 4 === 0) {
      const cut = Math.floor(rand() * original.length);
      out.push({ label: `${path} cut at ${cut}`, file: { name, bytes: bytes.subarray(0, cut) } });
      continue;
    }
    const at = Math.floor(rand() * bytes.length);
    bytes[at] ^= 1 << Math.floor(rand() * 8);
    out.push({ label: `${path} bit flipped at ${at}`, file: { name, bytes } });
  }
  return out;
}

function messageOf(file: InputFile): string | undefined {
  try {
    prepare(readModel([file]));
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : `thrown: ${String(e)}`;
  }
}

describe('messages of damaged files', () => {
  it.each(MODELS)('%s: 200 damaged copies, no unclear message', (path) => {
    const unclear: string[] = [];
    let refused = 0;
    for (const d of damaged(path, 200)) {
      const message = messageOf(d.file);
      if (message === undefined) continue;
      refused++;
      if (UNCLEAR.test(message) || !message.startsWith(d.file.name)) unclear.push(`${d.label}: ${message}`);
    }
    expect(refused).toBeGreaterThan(10);
    expect(unclear.join('\n')).toBe('');
  });
});

describe('nodes and layers without inputs', () => {
  it.each(['Conv', 'Relu', 'Reshape', 'Flatten', 'Softmax', 'Clip'])('an ONNX %s node with no inputs is named, not "Cannot read properties of undefined"', (op) => {
    const file = model([node('Relu', 'relu', ['x'], ['h']), node(op, 'broken', [], ['y'])], [], valueInfo('x', [1, 1, 4, 4]), valueInfo('y', [1]));
    expect(messageOf({ name: 'noinput.onnx', bytes: file })).toBe(`noinput.onnx: node "broken" (${op}) has no inputs`);
  });

  it('a Keras layer with no inbound nodes is named as such where a layer reads it (make_bombs.py)', () => {
    const bytes = new Uint8Array(readFileSync(join(fixtures, 'budget', 'no_inbound.h5')));
    expect(messageOf({ name: 'no_inbound.h5', bytes })).toBe('no_inbound.h5: layer "identity_activation" reads output 0 of "concatenate", a layer with no inbound nodes (never called)');
  });

  it('an unsupported op whose name holds control characters stays on one line', () => {
    const file = model([node('Re\nlu', 'odd\tname', ['x'], ['y'])], [], valueInfo('x', [1, 4]), valueInfo('y', [1, 4]));
    expect(messageOf({ name: 'odd.onnx', bytes: file })).toBe('odd.onnx: unsupported op Re\\u000alu at node "odd\\u0009name"');
  });
});

describe('errorMessage: the words of anything thrown', () => {
  it('never "[object Object]" or a bare "undefined"', () => {
    expect(errorMessage(new RangeError('Invalid array length'))).toBe('Invalid array length');
    expect(errorMessage('a string')).toBe('a string');
    expect(errorMessage({ message: 'from a worker' })).toBe('from a worker');
    expect(errorMessage({ code: 7 })).toBe('an unexpected error {"code":7}');
    expect(errorMessage({})).toBe('an unexpected error without a message');
    expect(errorMessage(undefined)).toBe('an error without a message');
    const cyclic: { self?: unknown } = {};
    cyclic.self = cyclic;
    expect(errorMessage(cyclic)).toBe('an unexpected error without a message');
  });
});

describe('the CLI over damaged files', () => {
  let work: string;
  beforeAll(() => {
    if (!existsSync(cli)) spawnSync(process.execPath, [join(root, 'build', 'build-node.mjs')], { stdio: 'inherit' });
    work = mkdtempSync(join(tmpdir(), 'neurovis-damaged-'));
  });

  it('info on a sample of each model ends in one clear line naming the file', () => {
    const unclear: string[] = [];
    for (const path of MODELS) {
      for (const d of damaged(path, 12).filter((x) => messageOf(x.file) !== undefined).slice(0, 1)) {
        const file = join(work, d.file.name);
        writeFileSync(file, d.file.bytes);
        const r = spawnSync(process.execPath, [cli, 'info', file], { encoding: 'utf8', timeout: 60_000 });
        const lines = r.stderr.trim().split('\n');
        if (r.status !== 1 || lines.length !== 1 || UNCLEAR.test(r.stderr) || !lines[0].startsWith(`neurovis: ${d.file.name}`)) unclear.push(`${d.label}: exit ${r.status}: ${r.stderr}`);
      }
    }
    expect(unclear.join('\n')).toBe('');
  });
});
