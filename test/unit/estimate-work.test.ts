import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { allNeurons, computeNeurons, type GallerySettings } from '../../workers/engine/compute';
import { estimateGallery, flopsPerNeuron, layerWork, planSeconds, type LayerWork } from '../../workers/engine/estimate';
import type { PreparedModel } from '../../workers/engine/prepare';
import { prepare } from '../../workers/engine/prepare';
import { knownFromResults, reusedLayers } from '../../workers/engine/reuse';
import { sizeOf } from '../../workers/engine/tensor';
import { countingWork, type WorkPlan } from '../../workers/engine/work-count';
import { readModel } from '../../workers/formats/index';
import { loadModeNetwork } from '../fixtures/modes/load';

const here = dirname(fileURLToPath(import.meta.url));
const LINEAR = join(here, '..', 'fixtures', 'linear', 'models');
/** A real MobileNetV2 (depthwise, ReLU6 as Clip, batch norm folded or kept, residual Adds, 1×1 convolutions, a dense head). */
const SHARED_MOBILENET = join(here, '..', '..', '..', 'shared', 'models', 'onnx', 'pytorch_mobilenetv2_slim_mnist.onnx');

const read = (path: string): PreparedModel => prepare(readModel([{ name: basename(path), bytes: new Uint8Array(readFileSync(path)) }]));

/**
 * The estimate's plan (engine/estimate.ts: which neurons are reversed, which combine known
 * reversals, which take a forward pass to check their activation) against the work the engine
 * counts while it computes the gallery as the CLI's one-thread run does (each layer offered the
 * results of the layers before it). The work is compared in the estimate's own units (flops of
 * each path: planSeconds), not in time: a change of the engine's reuse or of the estimate that
 * drifts past WITHIN either way fails here. Timings are calibrated in bench/RESULTS-notes.md.
 */
const WITHIN = 1.5;

/** The engine's counted work of a gallery (every neuron, or the first `limit` of each layer), by layer. */
function countedGallery(model: PreparedModel, settings: GallerySettings, limit?: number): ReadonlyMap<string, WorkPlan> {
  return countingWork(() => {
    const done = new Map<string, ReturnType<typeof computeNeurons>>();
    const known = knownFromResults(done);
    model.layers.forEach((layer, i) => {
      const neurons = allNeurons(model, layer.id, settings.objective).slice(0, limit);
      done.set(layer.id, computeNeurons(model, layer.id, neurons, settings, known));
      const later = model.layers.slice(i + 1);
      for (const id of [...done.keys()]) if (!later.some((l) => reusedLayers(l, settings.mode).includes(id))) done.delete(id);
    });
  });
}

/** Planned and counted work of a gallery, in the estimate's CPU seconds, and the rows the engine reused. */
function compare(model: PreparedModel, settings: GallerySettings, limit?: number): { planned: number; counted: number; reused: number } {
  const works = new Map<string, LayerWork>(model.layers.map((l) => [l.id, layerWork(model, l)]));
  const costs = model.layers.map((l) => ({ id: l.id, neurons: l.neurons, flopsPerNeuron: flopsPerNeuron(model, l), work: works.get(l.id)! }));
  const estimate = estimateGallery(costs, sizeOf(model.inputFeatureShape), { workers: 1, neuronLimit: limit, mode: settings.mode });
  const counts = countedGallery(model, settings, limit);
  let planned = 0;
  let counted = 0;
  let reused = 0;
  for (const l of estimate.layers) {
    const work = works.get(l.id)!;
    planned += planSeconds(work, l.plan!);
    const c = counts.get(l.id) ?? { reversed: 0, reused: 0, checked: 0 };
    counted += planSeconds(work, c);
    reused += c.reused;
  }
  return { planned, counted, reused };
}

describe('the estimate’s plan against the work the engine counts', () => {
  it(`linear fixtures (batch norm, residuals, global pooling, dense heads), exact mode: within ${WITHIN}× in all and reusing`, () => {
    let planned = 0;
    let counted = 0;
    let reused = 0;
    for (const file of readdirSync(LINEAR).filter((f) => f.endsWith('.onnx'))) {
      const model = read(join(LINEAR, file));
      for (const limit of [undefined, 2]) {
        const r = compare(model, { mode: 'exact', objective: { kind: 'neuron' }, radius: 1 }, limit);
        planned += r.planned;
        counted += r.counted;
        reused += r.reused;
      }
    }
    expect(reused).toBeGreaterThan(0);
    expect(planned / counted).toBeGreaterThan(1 / WITHIN);
    expect(planned / counted).toBeLessThan(WITHIN);
  });

  for (const name of ['resnet_block', 'squeeze_excite', 'relu_cnn', 'mixed_mlp'] as const) {
    it(`${name}: surrogate, local, deconvnet and guided, full gallery and a preview, within ${WITHIN}×`, () => {
      const { model, x0 } = loadModeNetwork(name);
      for (const mode of ['surrogate', 'local', 'deconvnet', 'guided'] as const) {
        for (const limit of [undefined, 2]) {
          const { planned, counted } = compare(model, { mode, objective: { kind: 'neuron' }, radius: 1, reference: x0 }, limit);
          expect(planned / counted, `${mode} ${limit ?? 'all'}`).toBeGreaterThan(1 / WITHIN);
          expect(planned / counted, `${mode} ${limit ?? 'all'}`).toBeLessThan(WITHIN);
        }
      }
    });
  }

  // Previews of 4 and 24 neurons a layer: with 24, the 16- and 24-channel layers that pointwise convolutions read are whole (dense reuse).
  it.skipIf(!existsSync(SHARED_MOBILENET))(`a real MobileNetV2: surrogate and guided, previews, within ${WITHIN}× (needs ../shared/models)`, () => {
    const model = read(SHARED_MOBILENET);
    for (const mode of ['surrogate', 'guided'] as const) {
      for (const limit of [4, 24]) {
        const { planned, counted, reused } = compare(model, { mode, objective: { kind: 'neuron' }, radius: 1 }, limit);
        expect(reused, `${mode} ${limit ?? 'all'}`).toBeGreaterThan(0);
        expect(planned / counted, `${mode} ${limit ?? 'all'}`).toBeGreaterThan(1 / WITHIN);
        expect(planned / counted, `${mode} ${limit ?? 'all'}`).toBeLessThan(WITHIN);
      }
    }
  }, 120_000);
});
