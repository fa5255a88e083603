import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ascendLayer } from '../../workers/engine/ascent';
import { radiusOfLayer } from '../../workers/engine/compute';
import { ascentStepCount, layerAscends } from '../../workers/engine/estimate';
import { prepare } from '../../workers/engine/prepare';
import { DEFAULT_VALUE_RANGE } from '../../workers/engine/value-range';
import { readModel } from '../../workers/formats/index';

const here = dirname(fileURLToPath(import.meta.url));
const FILE = join(here, '..', 'fixtures', 'keras', 'keras3_functional_nonlinear.h5');

/**
 * The ascent's estimate (engine/estimate.ts) against the work the ascent counts, not its time:
 * the steps it assumes per neuron against the steps each neuron takes on a fixture with
 * normalisation, conv, max-pool, ReLU, leaky ReLU and dense layers. A change of the ascent's
 * stopping rule or of the estimate that drifts past 3× either way fails here.
 */
describe('the ascent estimate against the steps taken', () => {
  const model = prepare(readModel([{ name: 'nonlinear.h5', bytes: new Uint8Array(readFileSync(FILE)) }]));
  const range = model.graph.inputRange ?? DEFAULT_VALUE_RANGE;
  const objective = { kind: 'neuron' as const };
  const LIMIT = 200;

  it('sphere: no steps where no nonlinearity lies before the layer, within 3× of the steps taken over the model; progress ends at the real total', () => {
    let assumed = 0;
    let taken = 0;
    for (const layer of model.layers) {
      const neurons = Array.from({ length: Math.min(3, layer.neurons) }, (_, i) => i);
      const reports: [number, number][] = [];
      const radius = radiusOfLayer(model, layer.id, { radius: { range }, objective });
      const r = ascendLayer(model, layer.id, neurons, { mode: 'surrogate', objective, radius, ascent: { steps: LIMIT }, onProgress: (d, t) => reports.push([d, t]) });
      const steps = r.traces.reduce((n, t) => n + t.length - 1, 0);
      const count = ascentStepCount({ ascends: layerAscends(model, layer) }, LIMIT, 'sphere');
      if (!layerAscends(model, layer)) expect(steps, layer.id).toBe(0);
      if (count === 0) expect(steps, layer.id).toBe(0);
      assumed += count * neurons.length;
      taken += steps;
      // Monotone, never past its total, and the last report is the steps taken, done.
      const shares = reports.map(([d, t]) => (t > 0 ? d / t : 1));
      for (let i = 1; i < shares.length; i++) expect(shares[i], layer.id).toBeGreaterThanOrEqual(shares[i - 1]);
      expect(reports.at(-1), layer.id).toEqual([steps, steps]);
    }
    expect(taken).toBeGreaterThan(0);
    expect(assumed / taken).toBeGreaterThan(1 / 3);
    expect(assumed / taken).toBeLessThan(3);
  });

  // A gated layer (a ReLU's family) reports twice the steps, its second pass on the shared
  // ascent's images: measured on the ResNet-8 it costs about as much as an ungated layer's.
  it('readable: the steps assumed are the steps a layer without a gate reports', () => {
    const layer = model.layers.find((l) => l.id === 'conv2d_1')!;
    const reports: [number, number][] = [];
    const radius = radiusOfLayer(model, layer.id, { radius: { range }, objective });
    ascendLayer(model, layer.id, [0, 1], { mode: 'surrogate', objective, radius, ascent: { style: 'readable', steps: 8, seed: 0, range }, onProgress: (d, t) => reports.push([d, t]) });
    expect(reports.at(-1)).toEqual([8, ascentStepCount({ ascends: true }, 8, 'readable')]);
  });
});
