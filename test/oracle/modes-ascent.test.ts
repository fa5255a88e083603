import { describe, expect, it } from 'vitest';
import { ascendLayer } from '../../workers/engine/ascent';
import { computeNeurons } from '../../workers/engine/compute';
import { reverseLayer } from '../../workers/engine/reverse';
import { loadModeNetwork, MODE_NETWORKS, type AscentCase } from '../fixtures/modes/load';

/**
 * Projected gradient ascent against a PyTorch run of the same algorithm (same start, step
 * rule and stopping; test/fixtures/modes/make_oracles.py): the final activation within 1e-4.
 */
for (const name of MODE_NETWORKS) {
  describe(`${name}: ascent`, () => {
    const { oracle, model } = loadModeNetwork(name);
    const { radius, steps, tolerance, stepSize } = oracle.ascent;
    const byLayer = new Map<string, AscentCase[]>();
    for (const c of oracle.ascent.cases) byLayer.set(c.layer, [...(byLayer.get(c.layer) ?? []), c]);

    for (const [layer, cases] of byLayer) {
      it(`layer ${layer}`, () => {
        const neurons = cases.map((c) => c.neuron);
        const options = { mode: 'surrogate' as const, objective: { kind: 'neuron' } as const, radius };
        const result = ascendLayer(model, layer, neurons, { ...options, ascent: { steps, tolerance, stepSize } });
        const surrogate = reverseLayer(model, layer, neurons, options);
        cases.forEach((c, row) => {
          const trace = result.traces[row];
          expect(trace[0], `neuron ${c.neuron}: the start is the surrogate's x*`).toBeCloseTo(surrogate.activations[row], 5);
          expect(Math.abs(trace[0] - c.start), `neuron ${c.neuron}: start`).toBeLessThanOrEqual(1e-4);
          for (let s = 1; s < trace.length; s++) expect(trace[s]).toBeGreaterThanOrEqual(trace[s - 1]);
          expect(result.activations[row]).toBe(trace[trace.length - 1]);
          expect(result.activations[row]).toBeGreaterThanOrEqual(surrogate.activations[row]);
          expect(Math.abs(result.activations[row] - c.activation), `neuron ${c.neuron}: final activation (PyTorch ${c.activation} after ${c.steps} steps, here ${trace.length - 1})`).toBeLessThanOrEqual(1e-4);
          let sq = 0;
          for (let i = 0; i < x0Size(result.inputShape); i++) sq += result.xstar[row * x0Size(result.inputShape) + i] ** 2;
          expect(Math.sqrt(sq)).toBeCloseTo(radius, 4);
        });
      });
    }

    it('computeNeurons runs the ascent mode with its traces', () => {
      const [c] = oracle.ascent.cases.slice(-1);
      const r = computeNeurons(model, c.layer, [c.neuron], { mode: 'ascent', objective: { kind: 'neuron' }, radius, ascent: { steps, tolerance, stepSize } });
      expect(r.traces).toHaveLength(1);
      expect(Math.abs(r.activations[0] - c.activation)).toBeLessThanOrEqual(1e-4);
    });
  });
}

function x0Size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
