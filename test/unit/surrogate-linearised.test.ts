import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepare } from '../../workers/engine/prepare';
import { reverseLayer } from '../../workers/engine/reverse';
import { readModel } from '../../workers/formats/index';

const load = (name: string) => {
  const file = join(__dirname, '..', 'fixtures', 'modes', `${name}.onnx`);
  return prepare(readModel([{ name: `${name}.onnx`, bytes: new Uint8Array(readFileSync(file)) }]));
};
const last = (model: ReturnType<typeof load>) => model.layers[model.layers.length - 1].id;

describe('the surrogate says what it linearised at the reference', () => {
  it('names the gate of a squeeze-excite block', () => {
    const model = load('squeeze_excite');
    const r = reverseLayer(model, last(model), [0], { mode: 'surrogate', objective: { kind: 'neuron' }, radius: 1 });
    const gates = model.nodes.filter((v) => v.nonlinear && (v.node.opType === 'Mul' || v.node.opType === 'Div')).map((v) => v.node.name);
    expect(gates.length).toBeGreaterThan(0);
    for (const g of gates) expect(r.linearisedAt).toContain(g);
    expect(r.linearisedAt.some((n) => /relu|sigmoid/i.test(model.nodes.find((v) => v.node.name === n)!.node.opType))).toBe(false);
  });

  it('names nothing where every nonlinearity has a linear counterpart, and nothing outside the surrogate mode', () => {
    const model = load('relu_cnn');
    expect(reverseLayer(model, last(model), [0], { mode: 'surrogate', objective: { kind: 'neuron' }, radius: 1 }).linearisedAt).toEqual([]);
    const se = load('squeeze_excite');
    expect(reverseLayer(se, last(se), [0], { mode: 'local', objective: { kind: 'neuron' }, radius: 1 }).linearisedAt).toEqual([]);
  });
});
