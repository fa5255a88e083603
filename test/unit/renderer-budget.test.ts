import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flopsPerNeuron } from '../../workers/engine/estimate';
import { prepare } from '../../workers/engine/prepare';
import { readModel } from '../../workers/formats/index';
import type { ModelSummary } from '../../workers/pool/api';
import { layerKey } from '../../renderer/src/domain/affects';
import { estimateRun, memoryBudget } from '../../renderer/src/domain/budget';
import { sanitize } from '../../renderer/src/stores/settings';

const path = join(import.meta.dirname, '..', 'fixtures', 'budget', 'huge_dense_layer.onnx');
const model = prepare(readModel([{ name: 'huge_dense_layer.onnx', bytes: new Uint8Array(readFileSync(path)) }]));
const summary: ModelSummary = {
  digest: 'd',
  source: model.graph.source,
  inputShape: model.inputFeatureShape,
  inputLayout: model.inputLayout,
  imageShape: null,
  layers: model.layers,
  layerFlops: model.layers.map((l) => flopsPerNeuron(model, l)),
  nonlinearNodes: model.nonlinearNodes,
  gateNodes: [],
  weightBytes: 0,
  sharedWeights: false,
};
const surrogate = { mode: 'surrogate' as const, objective: { kind: 'neuron' as const }, radius: 1 };

describe('the app’s estimate before a run', () => {
  it('counts what the app keeps (issue 18), refuses the whole gallery past the budget and names the biggest layer; a preview of 4 neurons fits', () => {
    // Of each ReLU x* (224×224, one channel, the whole input) 56×56 block averages, a byte each;
    // of each conv x* its 3×3 cut in floats; 22 bytes of statistics each; and two eighths of the budget for full rows.
    const kept = 451584 * (56 * 56 + 22) + 9 * (3 * 3 * 4 + 22);
    const all = estimateRun(summary, ['conv', 'relu'], surrogate, { workers: 1, memoryBytes: memoryBudget(8) });
    expect(memoryBudget(8)).toBe(2 * 1024 ** 3);
    expect(all.estimate.bytes).toBe(kept + (2 * 1024 ** 3) / 4);
    expect(all.verdict).toMatchObject({ overMemory: false, overTime: true, biggest: { id: 'relu', neurons: 451584 } });
    expect(all.text).toMatch(/^451,593 neurons, about .* on 1 worker, 1\.8 GB$/);
    // With 2 GB of device memory the budget is 512 MB: past it.
    const small = estimateRun(summary, ['conv', 'relu'], surrogate, { workers: 1, memoryBytes: memoryBudget(2) });
    expect(small.estimate.bytes).toBe(kept + (512 * 1024 ** 2) / 4);
    expect(small.verdict).toMatchObject({ overMemory: true, biggest: { id: 'relu', neurons: 451584 } });
    const preview = estimateRun(summary, ['conv', 'relu'], surrogate, { neuronLimit: 4, workers: 1, memoryBytes: memoryBudget(8) });
    expect(preview.estimate.neurons).toBe(8);
    expect(preview.verdict).toMatchObject({ overMemory: false, overTime: false });
    // The direction objective has one neuron per layer.
    expect(estimateRun(summary, ['relu'], { ...surrogate, objective: { kind: 'direction', vector: new Float32Array(0) } }, { workers: 1, memoryBytes: 1e9 }).estimate.neurons).toBe(1);
  });

  it('keeps the preview in the settings and in the layer keys (a change resizes the layer data)', () => {
    expect(sanitize({ compute: { preview: 16 } }).compute.preview).toBe(16);
    expect(sanitize({ compute: { preview: -3 } }).compute.preview).toBe(0);
    expect(sanitize({ compute: { preview: 2.5 } }).compute.preview).toBe(0);
    const settings = { ...sanitize({}).compute, radius: 1 };
    const context = { linear: false, gated: false, modelIsNonlinear: true, referenceId: null };
    expect(layerKey(model.layers[1], { ...settings, preview: 4 }, context)).not.toBe(layerKey(model.layers[1], settings, context));
  });
});
