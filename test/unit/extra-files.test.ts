// Files given together (CLI arguments, an app drop): the model and its companions are kept,
// any other file is refused by name (workers/settings/validate.ts, shared by both).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkExtraFiles, sortExtraFiles } from '../../workers/settings/validate';

const reader = join(__dirname, '..', '..', 'test', 'fixtures', 'linear', 'reader');
const file = (name: string) => ({ name, bytes: new Uint8Array(readFileSync(join(reader, name))) });
const onnx = file('external_data.onnx');
const weights = file('external_data.weights');
const notes = { name: 'notes.txt', bytes: new TextEncoder().encode('hello') };
const second = { ...file('typed_fields.onnx') };

describe('extra files given with a model', () => {
  it('keeps the model and the external data it names, in any order', () => {
    expect(sortExtraFiles([weights, onnx])).toEqual({ kept: [weights, onnx], refused: [] });
    expect(() => checkExtraFiles([weights, onnx])).not.toThrow();
  });

  it('refuses, by name, a file the model does not use and a second model', () => {
    const { kept, refused } = sortExtraFiles([onnx, notes, weights, second]);
    expect(kept).toEqual([onnx, weights]);
    expect(refused).toEqual([
      { name: 'notes.txt', message: 'notes.txt: not a file external_data.onnx uses (it uses external_data.weights, metadata.json, external_data.labels, labels.txt); leave it out' },
      { name: 'typed_fields.onnx', message: 'typed_fields.onnx: a second model file (ONNX) beside external_data.onnx; give one model at a time' },
    ]);
    expect(() => checkExtraFiles([onnx, notes])).toThrow('notes.txt: not a file external_data.onnx uses (it uses external_data.weights, metadata.json, external_data.labels, labels.txt); leave it out');
  });
});
