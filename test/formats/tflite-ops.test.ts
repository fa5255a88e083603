import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runForward } from '../../workers/engine/forward';
import { prepare } from '../../workers/engine/prepare';
import { sizeOf } from '../../workers/engine/tensor';
import { readModel } from '../../workers/formats/index';
import { correlation, maxAbsDiff, probeInput, type Oracle } from '../fixtures/tflite/probe';

/**
 * The generated TFLite fixtures (make_fixtures.mjs) against Arm NN's reference backend
 * (armnn_oracle.py). A float model must match Arm NN to float precision; a float16 or
 * quantised model must match, to float precision, Arm NN on its float32 twin (the same
 * network with the dequantised weights: the network Neurovis analyses), and match Arm NN on
 * the quantised model itself within quantisation error.
 */
const DIR = join(__dirname, '..', 'fixtures', 'tflite');

interface Fixture {
  readonly fixture: string;
  readonly mode: 'f32' | 'f16' | 'u8' | 'i8' | 'dyn';
  readonly model: string;
  readonly oracles: { readonly model: string; readonly inputRange?: [number, number] | null }[];
}

const fixtures = JSON.parse(readFileSync(join(DIR, 'fixtures.json'), 'utf8')) as Fixture[];

function open(file: string) {
  const graph = readModel([{ name: file, bytes: new Uint8Array(readFileSync(join(DIR, file))) }]);
  return { graph, model: prepare(graph) };
}

const scaleOf = (values: readonly number[]): number => Math.max(1, ...values.map(Math.abs));

describe('TFLite ops against Arm NN', () => {
  for (const fx of fixtures) {
    it(`${fx.model} (${fx.oracles.map((o) => o.model).join(', ')})`, () => {
      const { graph, model } = open(fx.model);
      const output = graph.outputs[0];
      for (const o of fx.oracles) {
        const oracle = JSON.parse(readFileSync(join(DIR, o.model.replace('.tflite', '.oracle.json')), 'utf8')) as Oracle;
        const exact = fx.mode === 'f32' || o.model !== fx.model;
        for (const c of oracle.cases) {
          const x = probeInput(c.probe, sizeOf(model.inputFeatureShape), graph.inputRange);
          const y = runForward(model, x, [output]).get(output)!.data;
          expect(y.length).toBe(c.output.length);
          const diff = maxAbsDiff(y, c.output);
          if (exact) {
            expect(diff, `${o.model} ${c.probe}`).toBeLessThan(2e-5 * scaleOf(c.output));
          } else {
            // Arm NN computes in integers and rounds every activation to its scale.
            expect(correlation(y, c.output), `${o.model} ${c.probe}`).toBeGreaterThan(0.97);
            expect(diff, `${o.model} ${c.probe}`).toBeLessThan(0.1 * scaleOf(c.output));
          }
        }
      }
    });
  }
});

describe('TFLite graphs', () => {
  it('name layers after their output tensors, in channels-last layout, without rearrangements', () => {
    const { graph, model } = open('shape_f32.tflite');
    expect(graph.channelAxis).toBe('last');
    expect(graph.inputLayout).toBe('NHWC');
    expect(graph.hasBatchDim).toBe(true);
    expect(graph.quantization).toBeUndefined();
    expect(model.inputFeatureShape).toEqual([5, 5, 3]);
    // PAD, SQUEEZE and RESHAPE are not layers.
    expect(model.layers.map((l) => [l.id, l.op, l.featureShape])).toEqual([
      ['conv', 'CONV_2D', [6, 6, 4]],
      ['max', 'MAX_POOL_2D', [6, 6, 3]],
      ['concat', 'CONCATENATION', [6, 6, 7]],
      ['mean', 'MEAN', [1, 1, 7]],
      ['fc', 'FULLY_CONNECTED', [4]],
    ]);
    expect(model.layers[0]).toMatchObject({ channelAxis: 2, neurons: 4 });
  });

  it('say how a model was quantised and the real range of a quantised input', () => {
    expect(open('conv_u8.tflite').graph.quantization).toEqual({ scheme: 'tflite', description: 'uint8 per-tensor' });
    expect(open('conv_i8.tflite').graph.quantization).toEqual({ scheme: 'tflite', description: 'int8 per-channel' });
    expect(open('conv_f16.tflite').graph.quantization).toEqual({ scheme: 'tflite', description: 'float16 weights' });
    expect(open('conv_dyn.tflite').graph.quantization).toEqual({ scheme: 'tflite', description: 'int8 per-channel weights, float activations' });
    const u8 = open('mobilenet_u8.tflite').graph;
    // Input codes 0…255 cover [−1, 1] with scale 2/255 and zero point 128 (make_fixtures.mjs).
    const scale = Math.fround(2 / 255);
    expect(u8.inputRange![0]).toBeCloseTo(-128 * scale, 12);
    expect(u8.inputRange![1]).toBeCloseTo(127 * scale, 12);
    // An int8 model with a float input (QUANTIZE inside) states no input range.
    expect(open('mobilenet_i8.tflite').graph.inputRange).toBeUndefined();
  });

  it('take a channels-first input moved to channels-last by TRANSPOSE as NCHW; transposes are not layers', () => {
    const { graph, model } = open('transpose_i8.tflite');
    expect(graph.inputLayout).toBe('NCHW');
    expect(model.inputFeatureShape).toEqual([3, 6, 6]);
    expect(model.layers.map((l) => [l.id, l.op])).toEqual([['conv', 'CONV_2D']]);
  });

  it('read class names from the labels.txt of TFLite Metadata appended to the model', () => {
    const { graph, model } = open('mobilenet_u8_labels.tflite');
    expect(graph.labels).toEqual(['cat', 'dog', 'fox', 'owl', 'yak']);
    expect(model.layers[model.layers.length - 1].labels).toEqual(['cat', 'dog', 'fox', 'owl', 'yak']);
    // The same network without the appended files: the same layers, no names.
    expect(open('mobilenet_u8.tflite').graph.labels).toBeUndefined();
    expect(model.layers.map((l) => l.id)).toEqual(open('mobilenet_u8.tflite').model.layers.map((l) => l.id));
  });

  it('treat QUANTIZE, DEQUANTIZE and float16 DEQUANTIZE as the identity of the float network', () => {
    const { model } = open('mobilenet_i8.tflite');
    expect(model.layers.map((l) => l.op)).toEqual(['CONV_2D', 'DEPTHWISE_CONV_2D', 'AVERAGE_POOL_2D', 'FULLY_CONNECTED', 'SOFTMAX']);
    expect(open('conv_f16.tflite').model.layers.map((l) => l.op)).toEqual(['CONV_2D', 'CONV_2D']);
  });
});
