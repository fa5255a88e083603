import { describe, expect, it } from 'vitest';
import { runForward } from '../../workers/engine/forward';
import { ModelError } from '../../workers/engine/graph';
import { prepare } from '../../workers/engine/prepare';
import { readModel } from '../../workers/formats/index';
import { toSnakeCase } from '../../workers/formats/keras/keras3-weights';
import type { InputFile } from '../../workers/formats/types';

/** An in-memory TF.js layers model: a Keras config and float32 weights in one shard. */
function tfjsModel(config: unknown, weights: { name: string; shape: number[]; values: number[] }[], version = '2.12.0'): InputFile[] {
  const data = new Float32Array(weights.flatMap((w) => w.values));
  const json = {
    format: 'layers-model',
    generatedBy: `keras v${version}`,
    modelTopology: { keras_version: version, model_config: config },
    weightsManifest: [{ paths: ['weights.bin'], weights: weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' })) }],
  };
  return [
    { name: 'weights.bin', bytes: new Uint8Array(data.buffer) },
    { name: 'model.json', bytes: new TextEncoder().encode(JSON.stringify(json)) },
  ];
}

const input = (name: string, shape: (number | null)[]) => ({ class_name: 'InputLayer', name, config: { batch_input_shape: shape, name }, inbound_nodes: [] });
const dense = (name: string, units: number, inbound: unknown, extra: Record<string, unknown> = {}) => ({
  class_name: 'Dense',
  name,
  config: { name, units, activation: 'linear', use_bias: false, ...extra },
  inbound_nodes: inbound,
});
const keras3Tensor = (layer: string) => ({ class_name: '__keras_tensor__', config: { shape: [null, 2], dtype: 'float32', keras_history: [layer, 0, 0] } });

function forward(files: InputFile[], x: number[]): Map<string, number[]> {
  const model = prepare(readModel(files));
  const values = runForward(model, Float32Array.from(x));
  return new Map(model.layers.map((l) => [l.name, Array.from(values.get(l.id)!.data)]));
}

describe('Keras config shapes', () => {
  it('a shared layer called twice gives one layer per call, both with the same weights', () => {
    // W = [[1, 2], [3, 4]] (in × out): x·W, then (x·W)·W.
    const config = {
      class_name: 'Functional',
      config: {
        name: 'shared',
        layers: [input('x', [null, 2]), dense('dense', 2, [[['x', 0, 0, {}]], [['dense', 0, 0, {}]]])],
        input_layers: [['x', 0, 0]],
        output_layers: [['dense', 1, 0]],
      },
    };
    const out = forward(tfjsModel(config, [{ name: 'dense/kernel', shape: [2, 2], values: [1, 2, 3, 4] }]), [1, 1]);
    expect([...out.keys()]).toEqual(['dense', 'dense (call 2)']);
    expect(out.get('dense')).toEqual([4, 6]);
    expect(out.get('dense (call 2)')).toEqual([22, 32]);
  });

  it('Keras 3 arguments: a list of __keras_tensor__ for a merge, a flat input_layers triple', () => {
    const config = {
      class_name: 'Functional',
      config: {
        name: 'k3',
        layers: [
          { class_name: 'InputLayer', name: 'x', config: { batch_shape: [null, 2], name: 'x' }, inbound_nodes: [] },
          dense('a', 2, [{ args: [keras3Tensor('x')], kwargs: {} }]),
          dense('b', 2, [{ args: [keras3Tensor('x')], kwargs: {} }]),
          { class_name: 'Subtract', name: 'sub', config: { name: 'sub' }, inbound_nodes: [{ args: [[keras3Tensor('a'), keras3Tensor('b')]], kwargs: {} }] },
        ],
        input_layers: ['x', 0, 0],
        output_layers: ['sub', 0, 0],
      },
    };
    const out = forward(
      tfjsModel(config, [
        { name: 'a/kernel', shape: [2, 2], values: [1, 0, 0, 1] },
        { name: 'b/kernel', shape: [2, 2], values: [0, 1, 1, 0] },
      ], '3.3.3'),
      [5, 2],
    );
    expect(out.get('sub')).toEqual([3, -3]);
  });

  it('hard_sigmoid is 0.2x + 0.5 in Keras 2 and x/6 + 0.5 in Keras 3', () => {
    const config = { class_name: 'Sequential', config: [dense('d', 1, undefined, { activation: 'hard_sigmoid', batch_input_shape: [null, 1] })] };
    const weights = [{ name: 'd/kernel', shape: [1, 1], values: [1] }];
    expect(forward(tfjsModel(config, weights, '2.12.0'), [1]).get('d')![0]).toBeCloseTo(0.7, 6);
    expect(forward(tfjsModel(config, weights, '3.3.3'), [1]).get('d')![0]).toBeCloseTo(1 / 6 + 0.5, 6);
  });

  it('ReLU(max_value, negative_slope) clips and leaks', () => {
    const config = {
      class_name: 'Sequential',
      config: { name: 's', layers: [input('x', [null, 4]), { class_name: 'ReLU', config: { name: 'r', max_value: 1.5, negative_slope: 0.5, threshold: 0 } }] },
    };
    expect(forward(tfjsModel(config, []), [-2, 0.5, 1, 3]).get('r')).toEqual([-1, 0.5, 1, 1.5]);
  });

  it('a layer that reads a layer nobody defines is named', () => {
    const config = { class_name: 'Functional', config: { name: 'm', layers: [input('x', [null, 2]), dense('d', 2, [[['ghost', 0, 0, {}]]])], input_layers: [['x', 0, 0]], output_layers: [['d', 0, 0]] } };
    expect(() => readModel(tfjsModel(config, [{ name: 'd/kernel', shape: [2, 2], values: [1, 0, 0, 1] }]))).toThrow(/layer "d" reads output 0 of "ghost", which no layer produces/);
  });

  it('a weight whose shape disagrees with the config is named with both shapes', () => {
    const config = { class_name: 'Sequential', config: [dense('d', 3, undefined, { batch_input_shape: [null, 2] })] };
    expect(() => readModel(tfjsModel(config, [{ name: 'd/kernel', shape: [2, 2], values: [1, 0, 0, 1] }]))).toThrow(ModelError);
    expect(() => readModel(tfjsModel(config, [{ name: 'd/kernel', shape: [2, 2], values: [1, 0, 0, 1] }]))).toThrow(/weight kernel has shape \[2, 2\], expected \[2, 3\]/);
  });

  it('a missing weight lists what the file holds', () => {
    const config = { class_name: 'Sequential', config: [dense('d', 2, undefined, { batch_input_shape: [null, 2], use_bias: true })] };
    expect(() => readModel(tfjsModel(config, [{ name: 'd/kernel', shape: [2, 2], values: [1, 0, 0, 1] }]))).toThrow(/expected weights kernel, bias; the file holds d\/kernel \[2,2\]/);
  });
});

describe('Keras 3 weight keys', () => {
  it('follow keras.src.utils.naming.to_snake_case', () => {
    expect(['Conv2D', 'BatchNormalization', 'DepthwiseConv2D', 'GlobalAveragePooling2D', 'ReLU', 'InputLayer', 'Conv2DTranspose', 'PReLU'].map(toSnakeCase)).toEqual([
      'conv2d',
      'batch_normalization',
      'depthwise_conv2d',
      'global_average_pooling2d',
      're_lu',
      'input_layer',
      'conv2d_transpose',
      'p_re_lu',
    ]);
  });
});
