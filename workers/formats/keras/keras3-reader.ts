import { ModelError, type Graph } from '../../engine/graph';
import { Hdf5File } from '../hdf5/index';
import type { FormatDef, InputFile } from '../types';
import { isZip, ZipArchive } from '../zip/index';
import { parseModelConfig } from './config';
import { guarded } from './errors';
import { isObject, parseJson } from './json';
import { Keras3Weights } from './keras3-weights';
import { kerasMajorOf, translateKeras } from './translate';

const decoder = new TextDecoder('utf-8');

/** A Keras 3 `.keras` archive: config.json, metadata.json and model.weights.h5 in a zip. */
export function readKeras3(main: InputFile): Graph {
  return guarded(main.name, () => {
    const zip = new ZipArchive(main.bytes);
    const configEntry = zip.entry('config.json');
    if (!configEntry) throw new ModelError(`${main.name}: a zip archive without config.json is not a Keras model`);
    const config = parseJson(decoder.decode(zip.read(configEntry)), `${main.name}: config.json`);
    const metadataEntry = zip.entry('metadata.json');
    const metadata = metadataEntry ? parseJson(decoder.decode(zip.read(metadataEntry)), `${main.name}: metadata.json`) : null;
    const version = isObject(metadata) && typeof metadata.keras_version === 'string' ? metadata.keras_version : undefined;
    const weightsEntry = zip.entry('model.weights.h5');
    if (!weightsEntry) {
      const npz = zip.entry('model.weights.npz') !== undefined;
      throw new ModelError(`${main.name}: ${npz ? 'weights saved as model.weights.npz are not supported' : 'the archive has no model.weights.h5'}`);
    }
    const weightsFile = new Hdf5File(zip.read(weightsEntry));
    const model = parseModelConfig(config, main.name);
    return translateKeras(model, new Keras3Weights(weightsFile.root, 'layers', model.layers), {
      fileName: main.name,
      format: 'keras',
      producer: `keras ${version ?? '3 (version unknown)'}`,
      kerasMajor: kerasMajorOf(version ?? '3.0'),
    });
  });
}

function looksLikeKerasArchive(bytes: Uint8Array): boolean {
  if (!isZip(bytes)) return false;
  try {
    return new ZipArchive(bytes).entry('config.json') !== undefined;
  } catch {
    return false;
  }
}

export const keras3Format: FormatDef = {
  id: 'keras',
  format: 'keras',
  name: 'Keras .keras',
  extensions: ['.keras'],
  associations: [{ ext: 'keras', name: 'Keras model', description: 'Keras 3 model archive', mimeType: 'application/x-keras', role: 'Viewer', rank: 'Alternate' }],
  sniff: (file) => looksLikeKerasArchive(file.bytes),
  read: (main) => readKeras3(main),
};
