import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allNeurons, computeNeurons } from '../../workers/engine/compute';
import { runForward } from '../../workers/engine/forward';
import { prepare } from '../../workers/engine/prepare';
import { sizeOf } from '../../workers/engine/tensor';
import { readModel } from '../../workers/formats/index';
import { FIXTURES, inputFiles } from '../fixtures/keras/oracle';

/** The real trained models of ../shared/models (MANIFEST.md); a user's clone does not have them. */
const SHARED = join(__dirname, '..', '..', '..', 'shared', 'models');
const available = existsSync(join(SHARED, 'keras')) && existsSync(join(SHARED, 'tfjs'));
if (!available) console.log(`keras-real: skipped, ${SHARED} does not exist (the real models are not part of the repository)`);

interface LayerSummary {
  readonly name: string;
  readonly op: string;
  readonly shape: number[];
  readonly sum: number;
  readonly l2: number;
  readonly samples: [number, number][];
}

interface RealOracle {
  readonly file: string;
  readonly inputShape: number[];
  readonly layers: LayerSummary[];
  readonly output: number[];
}

const oracles = JSON.parse(readFileSync(join(FIXTURES, 'keras', 'real-models.oracle.json'), 'utf8')) as RealOracle[];

/** The probe input of make_real_oracles.py: x[i] = sin(0.731·i + 0.2). */
function probe(shape: readonly number[]): Float32Array {
  return Float32Array.from({ length: sizeOf(shape) }, (_, i) => Math.sin(0.731 * i + 0.2));
}

describe.skipIf(!available)('real Keras and TF.js models', () => {
  for (const oracle of oracles) {
    describe(oracle.file, () => {
      const load = () => prepare(readModel(inputFiles(join(SHARED, oracle.file))));

      it('opens with its input shape and its Keras layers, and reproduces the PyTorch forward pass', () => {
        const model = load();
        expect(model.inputFeatureShape).toEqual(oracle.inputShape);
        expect(model.layers.map((l) => [l.name, l.op])).toEqual(oracle.layers.map((l) => [l.name, l.op]));
        const values = runForward(model, probe(oracle.inputShape));
        oracle.layers.forEach((expected, i) => {
          const layer = model.layers[i];
          expect(layer.featureShape, layer.name).toEqual(expected.shape);
          const got = values.get(layer.id)!.data;
          let sum = 0;
          let sq = 0;
          for (const v of got) {
            sum += v;
            sq += v * v;
          }
          const scale = Math.max(1, expected.l2);
          expect(Math.abs(Math.sqrt(sq) - expected.l2), `L2 of ${layer.name}`).toBeLessThanOrEqual(1e-4 * scale);
          expect(Math.abs(sum - expected.sum), `sum of ${layer.name}`).toBeLessThanOrEqual(1e-4 * scale * Math.sqrt(got.length));
          for (const [at, v] of expected.samples) expect(Math.abs(got[at] - v), `${layer.name}[${at}]`).toBeLessThanOrEqual(1e-4 * scale);
        });
      });

      it('gives a full surrogate gallery: every neuron of every layer finite', () => {
        const model = load();
        let neurons = 0;
        for (const layer of model.layers) {
          const all = allNeurons(model, layer.id, { kind: 'neuron' });
          const r = computeNeurons(model, layer.id, all, { mode: 'surrogate', objective: { kind: 'neuron' }, radius: 1 });
          expect(r.xstar.every(Number.isFinite), `x* of ${layer.name}`).toBe(true);
          expect(r.norms.every(Number.isFinite), `norms of ${layer.name}`).toBe(true);
          expect(r.activations.every(Number.isFinite), `activations of ${layer.name}`).toBe(true);
          neurons += all.length;
        }
        console.log(`${oracle.file}: ${model.layers.length} layers, ${neurons} neurons, all finite`);
      }, 900_000);
    });
  }
});
