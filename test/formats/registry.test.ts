import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelError } from '../../workers/engine/graph';
import { acceptString, companionReferences, detect, FORMATS, formatOfFile, openDialogExtensions } from '../../workers/formats/index';

const root = path.join(import.meta.dirname, '../..');
const file = (name: string, relative: string) => ({ name, bytes: new Uint8Array(readFileSync(path.join(root, relative))) });

describe('the format registry', () => {
  it('gives every format a unique id, a name, main-file extensions and a reader', () => {
    expect(new Set(FORMATS.map((f) => f.id)).size).toBe(FORMATS.length);
    for (const f of FORMATS) {
      expect(f.name, f.id).toMatch(/\w/);
      expect(f.extensions.length, f.id).toBeGreaterThan(0);
      for (const e of [...f.extensions, ...(f.companionExtensions ?? [])]) expect(e, f.id).toMatch(/^[a-z0-9_.-]*\.[a-z0-9]+$/);
    }
  });

  it('derives the open dialog and the browser accept string from the formats', () => {
    const accept = acceptString().split(',');
    expect(new Set(accept).size).toBe(accept.length);
    expect(accept).toEqual(expect.arrayContaining(['.onnx', '.data', '.h5', '.hdf5', '.keras', '.json', '.bin', '.npy', '.npz']));
    expect(openDialogExtensions()).toEqual(expect.arrayContaining(['onnx', 'h5', 'hdf5', 'keras', 'json', 'npy', 'npz']));
    expect(openDialogExtensions()).not.toContain('bin');
    // Every OS association is a file the dialog offers.
    for (const f of FORMATS) for (const a of f.associations ?? []) expect(openDialogExtensions()).toContain(a.ext.split('.').pop());
  });

  it('detects by content first: a misnamed ONNX file is ONNX, and its companions are found by content too', () => {
    const onnx = file('download.bin', 'test/electron-main/fixtures/onnx-external/model.onnx');
    expect(formatOfFile(onnx)?.id).toBe('onnx');
    expect(detect([onnx]).reader.id).toBe('onnx');
    expect(companionReferences(onnx).length).toBe(4);
  });

  it('falls back to the extension when no format claims the content', () => {
    expect(formatOfFile({ name: 'broken.npz', bytes: new Uint8Array([1, 2, 3]) })?.id).toBe('npz');
    expect(formatOfFile({ name: 'notes.txt', bytes: new Uint8Array([1, 2, 3]) })).toBeUndefined();
  });

  it('refuses a file no format reads with one message that names the file and every format', () => {
    const run = () => detect([{ name: 'notes.txt', bytes: new TextEncoder().encode('hello') }]);
    expect(run).toThrow(ModelError);
    expect(run).toThrow(/^notes\.txt: not a model file Neurovis can read \(/);
    for (const f of FORMATS) expect(run).toThrow(f.name);
  });
});
