import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelError } from '../../workers/engine/graph';
import { prepare } from '../../workers/engine/prepare';
import { readModel } from '../../workers/formats/index';

const DIR = join(__dirname, '..', 'fixtures', 'tflite');
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(DIR, name)));

function errorOf(name: string, bytes: Uint8Array): string {
  try {
    prepare(readModel([{ name, bytes }]));
  } catch (e) {
    if (!(e instanceof ModelError)) throw e;
    return e.message;
  }
  throw new Error(`${name} was read`);
}

/** The byte offset of an int32 vector (length, then values) in a file. */
function findInts(bytes: Uint8Array, values: readonly number[]): number {
  const pattern = new Uint8Array(Int32Array.from([values.length, ...values]).buffer);
  for (let i = 0; i + pattern.length <= bytes.length; i++) if (pattern.every((b, k) => bytes[i + k] === b)) return i;
  throw new Error(`[${values.join(', ')}] not found`);
}

describe('damaged TFLite files', () => {
  it('wrong magic: refused by name, saying what is missing', () => {
    const bytes = fixture('conv_f32.tflite');
    bytes.set([0x54, 0x46, 0x4c, 0x32], 4);
    expect(errorOf('model.tflite', bytes)).toBe('model.tflite: not a TFLite model (no "TFL3" identifier at byte 4)');
  });

  it('truncated: says where the file ends', () => {
    const bytes = fixture('conv_f32.tflite');
    const message = errorOf('cut.tflite', bytes.subarray(0, Math.floor(bytes.length / 2)));
    expect(message).toMatch(/^cut\.tflite: .* lies outside the file \(offset \d+, \d+ bytes, file of \d+ bytes\): the file is truncated or damaged$/);
  });

  it('a root offset past the end', () => {
    const bytes = fixture('conv_f32.tflite');
    new DataView(bytes.buffer).setUint32(0, 0x7fff0000, true);
    expect(errorOf('bad.tflite', bytes)).toMatch(/^bad\.tflite: the model table lies outside the file/);
  });

  it('a tensor whose declared shape does not match its buffer', () => {
    const bytes = fixture('conv_f32.tflite');
    // The first convolution's filter is [4, 3, 3, 3] float32 (432 bytes); claim 5 filters.
    new DataView(bytes.buffer).setInt32(findInts(bytes, [4, 3, 3, 3]) + 4, 5, true);
    expect(errorOf('lying.tflite', bytes)).toBe('lying.tflite: FLOAT32 tensor "conv_same_s2/filter" [5, 3, 3, 3] needs 540 bytes; its buffer holds 432');
  });

  it('an op outside the supported set: named with its operator and output', () => {
    expect(errorOf('unsupported_sub.tflite', fixture('unsupported_sub.tflite'))).toBe(
      'unsupported_sub.tflite: unsupported TFLite op SUB at operator 1 (output "difference")',
    );
  });
});
