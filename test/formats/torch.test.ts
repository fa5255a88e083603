import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelError } from '../../workers/engine/graph';
import { detect, readModel } from '../../workers/formats/index';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'torch');
const file = (name: string, as = name) => ({ name: as, bytes: new Uint8Array(readFileSync(join(FIXTURES, name))) });

describe('TorchScript and PyTorch files (made by test/fixtures/torch/make_fixtures.py)', () => {
  it.each(['torchscript_mlp.pt', 'state_dict_zip.pth', 'state_dict_legacy.pth'])('%s is recognised and refused in one line with the ONNX export recipe', (name) => {
    const run = () => readModel([file(name)]);
    expect(run).toThrow(ModelError);
    expect(run).toThrow(`${name}: a TorchScript/PyTorch file; Neurovis reads ONNX: export it with torch.onnx.export(model, example_input, "model.onnx")`);
  });

  it('is recognised by content, whatever the name', () => {
    expect(() => detect([file('torchscript_mlp.pt', 'download.bin')])).toThrow(/^download\.bin: a TorchScript\/PyTorch file;/);
  });

  it('does not call a plain Python pickle PyTorch', () => {
    expect(() => detect([file('plain.pkl')])).toThrow(/^plain\.pkl: not a model file Neurovis can read/);
  });
});
