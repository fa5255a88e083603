import { ModelError, type Graph } from '../../engine/graph';
import { Hdf5File, isHdf5, type Hdf5Group } from '../hdf5/index';
import type { FormatDef, InputFile } from '../types';
import { parseModelConfig } from './config';
import { guarded } from './errors';
import { KerasH5Weights } from './h5-weights';
import { parseJson } from './json';
import { kerasMajorOf, translateKeras } from './translate';

function stringAttribute(group: Hdf5Group, name: string): string | undefined {
  const v = group.attribute(name);
  return v && v.kind === 'strings' && v.values.length === 1 ? v.values[0] : undefined;
}

/** A Keras full-model HDF5 file (model.save('x.h5')): model_config attribute plus model_weights. */
export function readKerasH5(main: InputFile): Graph {
  return guarded(main.name, () => {
    const file = new Hdf5File(main.bytes);
    const root = file.root;
    const config = stringAttribute(root, 'model_config');
    if (config === undefined) {
      const weightsOnly = root.attribute('layer_names') !== undefined || root.group('model_weights') !== undefined || root.group('layers') !== undefined;
      throw new ModelError(
        weightsOnly
          ? `${main.name}: holds weights only, no model_config; save the whole model (model.save) to open it`
          : `${main.name}: an HDF5 file without a Keras model_config attribute`,
      );
    }
    const version = stringAttribute(root, 'keras_version');
    const backend = stringAttribute(root, 'backend');
    const model = parseModelConfig(parseJson(config, `${main.name}: model_config`), main.name);
    const weights = root.group('model_weights') ?? root;
    return translateKeras(model, new KerasH5Weights(weights, main.name), {
      fileName: main.name,
      format: 'keras',
      producer: `keras ${version ?? '(version unknown)'}${backend ? ` (${backend})` : ''}`,
      kerasMajor: kerasMajorOf(version),
    });
  });
}

export const kerasH5Format: FormatDef = {
  id: 'keras-h5',
  format: 'keras',
  name: 'Keras .h5',
  extensions: ['.h5', '.hdf5', '.hdf'],
  layout: 'channels-last',
  associations: [{ ext: 'h5', name: 'Keras HDF5 model', description: 'Keras model (HDF5)', mimeType: 'application/x-hdf5', role: 'Viewer', rank: 'Alternate' }],
  sniff: (file) => isHdf5(file.bytes),
  read: (main) => readKerasH5(main),
};
