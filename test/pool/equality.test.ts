import { describe, expect, it } from 'vitest';
import type { GallerySettings } from '../../workers/engine/compute';
import { computeGallery } from '../../workers/pool/gallery';
import { loadGraph } from '../../workers/pool/graph-load';
import type { Graph } from '../../workers/engine/graph';
import { prepare } from '../../workers/engine/prepare';
import { floatTensor } from '../../workers/engine/tensor';
import { normalSampler } from '../../workers/formats/neurovis/init';
import { engineLayer, expectSameAsEngine, fixtureArray, fixtureFile, prepareFiles, testPool } from './helpers';

const neuron = { kind: 'neuron' } as const;

/** Fixture models and the settings each is computed under; the pool must match the engine bit for bit. */
const CASES: { model: string; settings: GallerySettings[] }[] = [
  { model: 'linear/models/mlp_gemm.onnx', settings: [{ mode: 'exact', objective: neuron, radius: 1 }] },
  { model: 'linear/models/conv2d_strides.onnx', settings: [{ mode: 'exact', objective: { kind: 'channel' }, radius: 2.5 }] },
  { model: 'linear/models/residual_mlp.onnx', settings: [{ mode: 'exact', objective: neuron, radius: 1 }] },
  { model: 'linear/models/split_slice.onnx', settings: [{ mode: 'exact', objective: neuron, radius: 1 }] },
  {
    model: 'modes/relu_cnn.onnx',
    settings: [
      { mode: 'surrogate', objective: neuron, radius: 1 },
      { mode: 'local', objective: neuron, radius: 3, reference: fixtureArray('modes/relu_cnn.x0.npy') },
      { mode: 'guided', objective: { kind: 'channel' }, radius: 1, reference: fixtureArray('modes/relu_cnn.x0.npy') },
      { mode: 'ascent', objective: neuron, radius: 1, ascent: { steps: 8 } },
    ],
  },
  {
    model: 'modes/resnet_block.onnx',
    settings: [{ mode: 'deconvnet', objective: neuron, radius: 1, reference: fixtureArray('modes/resnet_block.x0.npy') }],
  },
  { model: 'modes/squeeze_excite.onnx', settings: [{ mode: 'surrogate', objective: neuron, radius: 1 }] },
];

describe('pool results equal the single-threaded engine, bit for bit', () => {
  for (const { model: path, settings: list } of CASES) {
    it(path, async () => {
      const files = [fixtureFile(path)];
      const model = prepareFiles(files);
      for (const shareWeights of [true, false]) {
        const pool = testPool({ size: 2, shareWeights, maxBatch: 5 });
        const summary = await pool.load(files);
        expect(summary.sharedWeights).toBe(shareWeights);
        expect(summary.layers.map((l) => l.id)).toEqual(model.layers.map((l) => l.id));
        expect(summary.inputShape).toEqual(model.inputFeatureShape);
        for (const settings of list) {
          const outcome = await computeGallery(pool, settings);
          expect(outcome.errors).toEqual([]);
          for (const layer of model.layers) expectSameAsEngine(outcome.results.get(layer.id)!, engineLayer(model, layer.id, settings));
        }
        await pool.terminate();
      }
    });
  }

  it('a hand-built graph loaded with loadGraph: folded constants travel packed, unused ones stay behind', async () => {
    const graph = handBuiltGraph();
    const model = prepare(graph);
    const pool = testPool({ size: 2, maxBatch: 3 });
    const summary = await loadGraph(pool, graph);
    expect(summary.sharedWeights).toBe(true);
    // W1ᵀ (folded from Transpose), B1, W2, B2: the raw W1 and the unused tensor are not packed.
    expect(summary.weightBytes).toBe(4 * (12 * 7 + 12 + 5 * 12 + 5) + 4 /* 8-byte alignment of B2 */);
    for (const settings of [
      { mode: 'surrogate', objective: neuron, radius: 2 },
      { mode: 'local', objective: neuron, radius: 1, reference: Float32Array.from({ length: 7 }, (_, i) => Math.cos(i)) },
    ] satisfies GallerySettings[]) {
      const outcome = await computeGallery(pool, settings);
      expect(outcome.errors).toEqual([]);
      expect([...outcome.results.keys()]).toEqual(model.layers.map((l) => l.id));
      for (const layer of model.layers) {
        const expected = engineLayer(model, layer.id, settings);
        expectSameAsEngine(outcome.results.get(layer.id)!, expected);
      }
    }
  });
});

/** input[1,7] → MatMul(Transpose(W1)) + B1 → Relu → Gemm(W2, B2, transB) ; plus an initializer nothing reads. */
function handBuiltGraph(): Graph {
  const next = normalSampler(11);
  const random = (shape: number[]) => floatTensor(shape, Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => next()));
  return {
    inputs: [{ name: 'x', dims: ['batch', 7], dtype: 'float32' }],
    outputs: ['y'],
    initializers: new Map([
      ['W1', random([7, 12])],
      ['B1', random([12])],
      ['W2', random([5, 12])],
      ['B2', random([5])],
      ['unused', random([1000])],
    ]),
    nodes: [
      { name: 'transpose', opType: 'Transpose', inputs: ['W1'], outputs: ['W1t'], attrs: { perm: [1, 0] } },
      { name: 'matmul', opType: 'MatMul', inputs: ['x', 'W1t_back'], outputs: ['h0'], attrs: {} },
      { name: 'transpose_back', opType: 'Transpose', inputs: ['W1t'], outputs: ['W1t_back'], attrs: { perm: [1, 0] } },
      { name: 'add', opType: 'Add', inputs: ['h0', 'B1'], outputs: ['h1'], attrs: {} },
      { name: 'relu', opType: 'Relu', inputs: ['h1'], outputs: ['h2'], attrs: {} },
      { name: 'gemm', opType: 'Gemm', inputs: ['h2', 'W2', 'B2'], outputs: ['y'], attrs: { transB: 1 } },
    ],
    source: { format: 'onnx', fileName: 'hand-built' },
    hasBatchDim: true,
    channelAxis: 'first',
  };
}
