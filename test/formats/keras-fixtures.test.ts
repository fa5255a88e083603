import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { zipSync } from 'fflate';
import { detect, readModel } from '../../workers/formats/index';
import { kerasH5Format, keras3Format, tfjsLayersFormat } from '../../workers/formats/keras/index';
import { checkAgainstOracle, FIXTURES, inputFile, inputFiles, loadOracle } from '../fixtures/keras/oracle';

const keras = (name: string): string => join(FIXTURES, 'keras', name);

/** Each fixture file and the oracle computed for it by test/fixtures/keras/make_fixtures.py. */
const cases: [string, string, string][] = [
  ['Keras 2.4 Sequential with an InputLayer, names ending in :0', 'keras2.4_sequential_mlp.h5', 'keras2.4_sequential_mlp.oracle.json'],
  ['Keras 2.4 Functional convnet, "/" in layer names (nested groups)', 'keras2.4_functional_convnet.h5', 'keras2.4_functional_convnet.oracle.json'],
  ['the same in chunked HDF5 datasets (gzip, shuffle, fletcher32, compact)', 'keras2.4_functional_convnet_chunked.h5', 'keras2.4_functional_convnet.oracle.json'],
  ["the same with libver='latest' (superblock 3, v2 headers, dense links and attributes)", 'keras2.4_functional_convnet_latest.h5', 'keras2.4_functional_convnet.oracle.json'],
  ['Keras 2.0.9 Model with list-style inbound nodes, fixed-length strings, Conv1D', 'keras2.0.9_model_conv1d.h5', 'keras2.0.9_model_conv1d.oracle.json'],
  ['Keras 2.1 Sequential given as a bare list of layers', 'keras2.1_sequential_list.h5', 'keras2.1_sequential_list.oracle.json'],
  ['layer variants: k < s and output_padding deconvolutions, padded "same" pooling, groups, dilations', 'keras2.4_layer_variants.h5', 'keras2.4_layer_variants.oracle.json'],
  ['Keras 3 Sequential .keras archive', 'keras3_sequential_mlp.keras', 'keras3_sequential_mlp.oracle.json'],
  ['Keras 3 .keras archive (stored), nested Sequential, surrogate mode', 'keras3_functional_nonlinear.keras', 'keras3_functional_nonlinear.oracle.json'],
  ['Keras 3 .keras archive (deflated)', 'keras3_functional_nonlinear_deflated.keras', 'keras3_functional_nonlinear.oracle.json'],
  ['Keras 3 legacy .h5 (names without :0)', 'keras3_functional_nonlinear.h5', 'keras3_functional_nonlinear.oracle.json'],
];

describe('Keras fixtures reproduce their PyTorch oracle', () => {
  for (const [title, file, oracle] of cases) {
    it(title, () => {
      checkAgainstOracle([inputFile(keras(file))], loadOracle(keras(oracle)));
    });
  }

  it('TF.js layers model with two shards, a weight split across them, uint8 and float16 quantization', () => {
    const model = checkAgainstOracle(inputFiles(join(FIXTURES, 'tfjs', 'convnet_quantized')), loadOracle(join(FIXTURES, 'tfjs', 'convnet_quantized.oracle.json')));
    expect(model.graph.source.format).toBe('tfjs');
    expect(model.graph.source.producer).toContain('TensorFlow.js Converter');
    expect(model.graph.quantization).toEqual({ scheme: 'tfjs-weights', description: 'uint8 weights (min + scale·q per tensor), float16 weights, analysed dequantised to float32' });
  });
});

describe('what a Keras graph says about itself', () => {
  it('keeps the channels-last layout and names every layer tensor after its Keras layer', () => {
    const graph = readModel([inputFile(keras('keras2.4_functional_convnet.h5'))]);
    expect(graph.channelAxis).toBe('last');
    expect(graph.hasBatchDim).toBe(true);
    expect(graph.inputs).toEqual([{ name: 'image', dims: [null, 8, 10, 2], dtype: 'float32' }]);
    expect(graph.source).toMatchObject({ format: 'keras', producer: 'keras 2.4.0 (tensorflow)' });
    // The notes are for people: a container detail such as the HDF5 superblock version is not one.
    expect(graph.source.notes?.join(' ') ?? '').not.toMatch(/superblock/i);
    const produced = new Set(graph.nodes.flatMap((n) => n.outputs));
    for (const l of graph.layerTensors ?? []) {
      expect(l.tensor).toBe(l.name);
      expect(produced.has(l.tensor)).toBe(true);
    }
    // Pure reshapes (Flatten) are not layers; their tensors still carry the Keras name.
    expect(graph.layerTensors?.some((l) => l.name === 'flatten')).toBe(false);
    expect(produced.has('flatten')).toBe(true);
  });

  it('transposes only where a layer tensor is exposed: no Transpose feeds a Transpose', () => {
    const graph = readModel([inputFile(keras('keras2.4_functional_convnet.h5'))]);
    const producer = new Map(graph.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
    for (const n of graph.nodes) {
      if (n.opType !== 'Transpose') continue;
      expect(producer.get(n.inputs[0])?.opType, `${n.name} reads a transpose`).not.toBe('Transpose');
    }
  });

  it('reports the Keras 3 version from metadata.json', () => {
    const graph = readModel([inputFile(keras('keras3_functional_nonlinear.keras'))]);
    expect(graph.source.producer).toBe('keras 3.3.3');
    expect(graph.layerTensors?.map((l) => l.name)).toContain('head/dense_1');
  });
});

describe('the format registry finds Keras and TF.js files by their content', () => {
  it('misnamed files are recognised by their bytes', () => {
    const h5 = inputFile(keras('keras2.4_sequential_mlp.h5'));
    const zip = inputFile(keras('keras3_sequential_mlp.keras'));
    expect(detect([{ name: 'download', bytes: h5.bytes }]).reader.extensions).toContain('.h5');
    expect(detect([{ name: 'download', bytes: zip.bytes }]).reader.extensions).toContain('.keras');
    expect(readModel([{ name: 'download', bytes: zip.bytes }]).source.producer).toBe('keras 3.3.3');
  });

  it('model.json is the main file whatever the order of the dropped files', () => {
    const files = inputFiles(join(FIXTURES, 'tfjs', 'convnet_quantized'));
    for (const order of [files, [...files].reverse()]) {
      const { reader, main } = detect(order);
      expect(main.name).toBe('model.json');
      expect(reader.format).toBe('tfjs');
    }
  });

  it('a NumPy .npz archive is not taken for a Keras archive', () => {
    const npz = zipSync({ 'arr_0.npy': new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]) });
    expect([kerasH5Format, keras3Format, tfjsLayersFormat].some((r) => r.sniff({ name: 'weights.npz', bytes: npz }))).toBe(false);
  });
});
