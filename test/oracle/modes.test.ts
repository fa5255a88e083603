import { describe, expect, it } from 'vitest';
import { computeNeurons } from '../../workers/engine/compute';
import { reverseLayer } from '../../workers/engine/reverse';
import { loadModeNetwork, MODE_NETWORKS, type ModeCase } from '../fixtures/modes/load';

/**
 * Every reversal mode against PyTorch (test/fixtures/modes/make_oracles.py): local = autograd
 * at the reference, surrogate = autograd of the swapped network, deconvnet/guided = Captum's
 * ReLU hooks; unit-norm x* to 1e-5, at a random x0 and at zero.
 */
for (const name of MODE_NETWORKS) {
  describe(name, () => {
    const { oracle, model, x0 } = loadModeNetwork(name);

    it('has the layers the oracle names', () => {
      const ids = model.layers.map((l) => l.id);
      for (const l of oracle.layers) expect(ids).toContain(l.id);
    });

    const groups = new Map<string, ModeCase[]>();
    for (const c of oracle.cases) {
      const key = `${c.mode} at ${c.reference}, layer ${c.layer}`;
      groups.set(key, [...(groups.get(key) ?? []), c]);
    }
    for (const [key, cases] of groups) {
      it(key, () => {
        const { mode, reference, layer } = cases[0];
        const neurons = cases.map((c) => c.neuron);
        const r = reverseLayer(model, layer, neurons, { mode, objective: { kind: 'neuron' }, radius: 1, reference: reference === 'x0' ? x0 : undefined });
        const size = x0.length;
        cases.forEach((c, row) => {
          const got = r.xstar.subarray(row * size, (row + 1) * size);
          if (c.xstar === null) {
            expect(r.dead[row], `neuron ${c.neuron} is dead in PyTorch`).toBe(1);
            return;
          }
          expect(r.dead[row], `neuron ${c.neuron}`).toBe(0);
          let worst = 0;
          for (let i = 0; i < size; i++) worst = Math.max(worst, Math.abs(got[i] - c.xstar[i]));
          expect(worst, `neuron ${c.neuron}: max abs error of the unit-norm x*`).toBeLessThanOrEqual(1e-5);
          expect(r.norms[row]).toBeCloseTo(c.norm, 4);
        });
      });
    }

    it('computeNeurons gives the same answer for every mode, and the real activation at x*', () => {
      const last = oracle.layers[oracle.layers.length - 1];
      for (const mode of ['surrogate', 'local', 'deconvnet', 'guided'] as const) {
        const settings = { mode, objective: { kind: 'neuron' } as const, radius: 1, reference: x0 };
        const viaCompute = computeNeurons(model, last.id, last.neurons, settings);
        const direct = reverseLayer(model, last.id, last.neurons, settings);
        expect(viaCompute.xstar).toEqual(direct.xstar);
        expect(viaCompute.activations).toEqual(direct.activations);
      }
      expect(() => computeNeurons(model, last.id, last.neurons, { mode: 'exact', objective: { kind: 'neuron' }, radius: 1 })).toThrow(/exact mode.*nonlinear/);
    });
  });
}
