import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readModel } from '../../workers/formats/index';
import { checkAgainstOracle, FIXTURES, inputFile, inputFiles, loadOracle } from '../fixtures/keras/oracle';

const keras = (name: string): string => join(FIXTURES, 'keras', name);
const tfjs = (name: string): string => join(FIXTURES, 'tfjs', name);

/** Fixtures and oracles written by test/fixtures/keras/make_nested.py. */
describe('nested Keras models open with their inner layers as layers', () => {
  it('Teachable Machine: a Sequential holding a Sequential that wraps a functional MobileNet, then a Sequential head (TF.js layers)', () => {
    const model = checkAgainstOracle(inputFiles(tfjs('teachable_machine')), loadOracle(tfjs('teachable_machine.oracle.json')));
    expect(model.inputFeatureShape).toEqual([8, 8, 3]);
    expect(model.layers[0].name).toBe('sequential_1/model1/Conv1');
  });

  it('Teachable Machine audio: a functional model whose output is its nested Sequential head, referenced as node 1 (tfjs-layers)', () => {
    const model = checkAgainstOracle(inputFiles(tfjs('teachable_machine_audio')), loadOracle(tfjs('teachable_machine_audio.oracle.json')));
    expect(model.layers[model.layers.length - 1]).toMatchObject({ name: 'sequential_3/NewHeadDense', labels: ['Background Noise', 'Clap'] });
  });

  it('Keras 2.4 .h5: a Sequential holding a Functional backbone and a Sequential head', () => {
    checkAgainstOracle([inputFile(keras('keras2.4_nested_sequential.h5'))], loadOracle(keras('keras2.4_nested_sequential.oracle.json')));
  });
});

describe('a weights-only .h5 with its architecture JSON (model.to_json) opens as one model', () => {
  const oracle = loadOracle(keras('keras2.4_nested_sequential.oracle.json'));

  it('named together, in either order', () => {
    const h5 = inputFile(keras('keras2.4_nested_weights.h5'));
    const json = inputFile(keras('keras2.4_nested_weights.json'));
    checkAgainstOracle([h5, json], oracle);
    const model = checkAgainstOracle([json, h5], oracle);
    expect(model.graph.source.fileName).toBe('keras2.4_nested_weights.h5');
    expect(model.graph.source.notes?.join(' ')).toContain('architecture from keras2.4_nested_weights.json');
  });

  it('with a differently named JSON when it is the only Keras architecture given', () => {
    const json = inputFile(keras('keras2.4_nested_weights.json'));
    checkAgainstOracle([inputFile(keras('keras2.4_nested_weights.h5')), { name: 'architecture.json', bytes: json.bytes }], oracle);
  });

  it('alone, it is refused naming the architecture JSON it needs', () => {
    expect(() => readModel([inputFile(keras('keras2.4_nested_weights.h5'))])).toThrow(
      'keras2.4_nested_weights.h5: holds weights only, no model_config; its architecture keras2.4_nested_weights.json (model.to_json()) is missing beside it',
    );
  });
});

describe('Keras 3 save_weights (x.weights.h5) with to_json (x.json)', () => {
  it('opens as the .keras archive they came from', () => {
    checkAgainstOracle([inputFile(keras('keras3_nonlinear.weights.h5')), inputFile(keras('keras3_nonlinear.json'))], loadOracle(keras('keras3_functional_nonlinear.oracle.json')));
  });
});
