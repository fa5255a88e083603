import { describe, expect, it } from 'vitest';
import { ascendLayer } from '../../workers/engine/ascent';
import { ascentFamily, ascentHead } from '../../workers/engine/ascent-family';
import { runForward } from '../../workers/engine/forward';
import { prepare } from '../../workers/engine/prepare';
import { layerById, writeSeed } from '../../workers/engine/seeds';
import { familyNet, FAMILY_INPUT_SIZE, POSITIVE } from '../fixtures/ascent/family-net';

const options = { mode: 'surrogate' as const, objective: { kind: 'neuron' as const }, radius: 1 };
const all = [0, 1, 2, 3];
const ascend = (graph: ReturnType<typeof prepare>, layer: string) => ascendLayer(graph, layer, all, { ...options, ascent: { style: 'readable', steps: 12, seed: 3 } });
const row = (x: Float32Array, n: number): Float32Array => x.subarray(n * FAMILY_INPUT_SIZE, (n + 1) * FAMILY_INPUT_SIZE);

function maxDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** seed·layer(x) on the true model. */
function activationAt(model: ReturnType<typeof prepare>, layer: string, x: Float32Array, n: number): number {
  const y = runForward(model, x, [layer]).get(layer)!.data;
  const seed = new Float32Array(y.length);
  writeSeed(layerById(model, layer), n, { kind: 'neuron' }, seed, 0);
  let a = 0;
  for (let i = 0; i < y.length; i++) a += y[i] * seed[i];
  return a;
}

describe('layers sharing one readable ascent (a BatchNormalization and the convolution before it)', () => {
  it('finds the family: a BatchNormalization with positive scales shares the convolution’s ascent, a ReLU after them through its gate; a negative scale does not', () => {
    const model = prepare(familyNet('bn', POSITIVE));
    const family = ascentFamily(model, layerById(model, 'n'), { kind: 'neuron' });
    expect(family.tensor).toBe('c');
    expect(family.members.map((m) => m.layer.id)).toEqual(['n', 'c', 'r']);
    expect(family.members.map((m) => m.gates)).toEqual([[], [], ['n']]);
    expect(ascentFamily(model, layerById(model, 'r'), { kind: 'neuron' }).members.map((m) => m.layer.id)).toEqual(['r']);
    const negative = prepare(familyNet('bn', [1.3, 0.7, -2.1, 0.4]));
    expect(ascentFamily(negative, layerById(negative, 'n'), { kind: 'neuron' }).members.map((m) => m.layer.id)).toEqual(['n', 'r']);
    expect(ascentFamily(negative, layerById(negative, 'c'), { kind: 'neuron' }).members.map((m) => m.layer.id)).toEqual(['c']);
    expect(ascentFamily(model, layerById(model, 'n'), { kind: 'channel' }).members.map((m) => m.layer.id)).toEqual(['n']);
  });

  it('the BatchNormalization layer’s x* is the one its own ascent finds (the twin written as Mul and Add), and the activation is the true model’s there', () => {
    const model = prepare(familyNet('bn', POSITIVE));
    const twin = prepare(familyNet('mul-add', POSITIVE));
    const shared = ascend(model, 'n');
    const own = ascend(twin, 'n');
    for (const n of all) {
      expect(maxDiff(row(shared.xstar, n), row(own.xstar, n))).toBeLessThan(1e-4);
      expect(shared.activations[n]).toBeCloseTo(activationAt(model, 'n', row(shared.xstar, n), n), 5);
      expect(Math.max(...shared.traces[n])).toBe(shared.activations[n]);
    }
    // The convolution's ascent is the very same run.
    const conv = ascend(prepare(familyNet('bn', POSITIVE)), 'c');
    expect(Array.from(conv.xstar)).toEqual(Array.from(shared.xstar));
  });

  it('a layer gives the same result whether it took a row kept from a sibling’s job or computed the family itself', () => {
    const kept = prepare(familyNet('bn', POSITIVE));
    ascend(kept, 'c');
    const fresh = prepare(familyNet('bn', POSITIVE));
    for (const layer of ['n', 'c']) {
      const a = ascend(kept, layer);
      const b = ascend(fresh, layer);
      expect(Array.from(a.xstar)).toEqual(Array.from(b.xstar));
      expect(Array.from(a.activations)).toEqual(Array.from(b.activations));
      expect(a.traces.map((t) => Array.from(t))).toEqual(b.traces.map((t) => Array.from(t)));
    }
  });

  it('the head (the convolution) runs the family for a pool: its job returns the BatchNormalization’s result, equal to the one its own job finds', () => {
    const model = prepare(familyNet('bn', POSITIVE));
    expect(ascentHead(model, layerById(model, 'n'))).toBe('c');
    expect(ascentHead(model, layerById(model, 'c'))).toBeNull();
    expect(ascentHead(model, layerById(model, 'r'))).toBe('c');
    const head = ascendLayer(model, 'c', all, { ...options, ascent: { style: 'readable', steps: 12, seed: 3 }, familyResults: true });
    expect(head.family!.map((f) => f.layer)).toEqual(['n', 'r']);
    const handed = head.family![0];
    // Nothing was kept on the side: a fresh model and this one compute 'n' alike.
    const own = ascend(model, 'n');
    const twin = ascend(prepare(familyNet('mul-add', POSITIVE)), 'n');
    expect(handed.neurons).toEqual(all);
    for (const key of ['xstar', 'norms', 'activations', 'baselines'] as const) expect(Array.from(handed[key]), key).toEqual(Array.from(own[key]));
    expect(Array.from(handed.dead)).toEqual(Array.from(own.dead));
    expect(handed.traces!.map((t) => Array.from(t))).toEqual(own.traces.map((t) => Array.from(t)));
    for (const n of all) {
      expect(maxDiff(row(handed.xstar, n), row(twin.xstar, n))).toBeLessThan(1e-4);
      expect(handed.activations[n]).toBeCloseTo(activationAt(model, 'n', row(handed.xstar, n), n), 5);
    }
  });

  it('the ReLU after them takes the shared ascent only for the neurons whose gate stayed open at every step, and then it is the ReLU’s own', () => {
    const model = prepare(familyNet('bn', POSITIVE));
    const head = ascendLayer(model, 'c', all, { ...options, ascent: { style: 'readable', steps: 12, seed: 3 }, familyResults: true });
    const relu = head.family!.find((f) => f.layer === 'r')!;
    // Channel 1 (bias −100) is off everywhere: never shared.
    expect(relu.neurons).not.toContain(1);
    expect(relu.neurons.length).toBeGreaterThan(0);
    const own = ascend(prepare(familyNet('mul-add', POSITIVE)), 'r');
    relu.neurons.forEach((n, i) => {
      expect(maxDiff(row(relu.xstar, i), row(own.xstar, n))).toBeLessThan(1e-4);
      expect(Math.abs(relu.activations[i] - own.activations[n])).toBeLessThan(1e-4 * Math.max(1, Math.abs(own.activations[n])));
      expect(relu.activations[i]).toBeCloseTo(activationAt(model, 'r', row(relu.xstar, i), n), 5);
    });
  });

  it('the ReLU after them runs its own ascent: the twin’s ReLU finds the same x*, and the channel that is off everywhere is not the convolution’s', () => {
    const model = prepare(familyNet('bn', POSITIVE));
    const conv = ascend(model, 'c');
    const relu = ascend(model, 'r');
    const own = ascend(prepare(familyNet('mul-add', POSITIVE)), 'r');
    for (const n of all) {
      expect(relu.activations[n]).toBeCloseTo(activationAt(model, 'r', row(relu.xstar, n), n), 5);
      expect(maxDiff(row(relu.xstar, n), row(own.xstar, n))).toBeLessThan(1e-4);
    }
    expect(relu.activations[1]).toBe(0);
    expect(maxDiff(row(relu.xstar, 1), row(conv.xstar, 1))).toBeGreaterThan(1e-3);
  });
});
