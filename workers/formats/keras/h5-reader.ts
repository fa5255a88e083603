import { ModelError, type Graph } from '../../engine/graph';
import { Hdf5File, isHdf5, type Hdf5Group } from '../hdf5/index';
import type { FormatDef, InputFile } from '../types';
import { parseModelConfig } from './config';
import { guarded } from './errors';
import { KerasH5Weights } from './h5-weights';
import { isObject, parseJson } from './json';
import { kerasMajorOf, translateKeras } from './translate';

function stringAttribute(group: Hdf5Group, name: string): string | undefined {
  const v = group.attribute(name);
  return v && v.kind === 'strings' && v.values.length === 1 ? v.values[0] : undefined;
}

const isWeightsOnly = (root: Hdf5Group): boolean =>
  root.attribute('layer_names') !== undefined || root.group('model_weights') !== undefined || root.group('layers') !== undefined;

const baseName = (name: string): string => name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);

/** Where Keras users keep a weights-only file's architecture (model.to_json()): `<stem>.json` beside `<stem>.h5`. */
export function architectureJsonName(h5Name: string): string {
  const name = baseName(h5Name);
  const dot = name.lastIndexOf('.');
  return `${dot > 0 ? name.slice(0, dot) : name}.json`;
}

/** The companion rule of .h5: a weights-only file (model.save_weights) needs its architecture JSON. Never throws. */
export function kerasH5Companions(main: InputFile): string[] {
  try {
    const root = new Hdf5File(main.bytes).root;
    return stringAttribute(root, 'model_config') === undefined && isWeightsOnly(root) ? [architectureJsonName(main.name)] : [];
  } catch {
    return [];
  }
}

/** The architecture of a weights-only file, from the `<stem>.json` among `files`. */
function architectureOf(main: InputFile, files: readonly InputFile[]): { json: string; where: string } {
  const wanted = architectureJsonName(main.name);
  const file = files.find((f) => baseName(f.name) === wanted);
  if (!file) {
    throw new ModelError(`${main.name}: holds weights only, no model_config; its architecture ${wanted} (model.to_json()) is missing beside it`);
  }
  return { json: new TextDecoder().decode(file.bytes), where: file.name };
}

/**
 * A Keras HDF5 file: a full model (model.save('x.h5'): model_config attribute plus
 * model_weights), or weights only (model.save_weights) with its architecture in `<stem>.json`.
 */
export function readKerasH5(main: InputFile, files: readonly InputFile[] = [main]): Graph {
  return guarded(main.name, () => {
    const file = new Hdf5File(main.bytes);
    const root = file.root;
    let config = stringAttribute(root, 'model_config');
    let where = `${main.name}: model_config`;
    const notes: string[] = [];
    if (config === undefined) {
      if (!isWeightsOnly(root)) throw new ModelError(`${main.name}: an HDF5 file without a Keras model_config attribute`);
      const architecture = architectureOf(main, files);
      config = architecture.json;
      where = architecture.where;
      notes.push(`weights only; architecture from ${baseName(architecture.where)}`);
    }
    const parsed = parseJson(config, where);
    const version = stringAttribute(root, 'keras_version') ?? (isObject(parsed) && typeof parsed.keras_version === 'string' ? parsed.keras_version : undefined);
    const backend = stringAttribute(root, 'backend');
    const model = parseModelConfig(parsed, where);
    const weights = root.group('model_weights') ?? root;
    return translateKeras(model, new KerasH5Weights(weights, main.name), {
      fileName: main.name,
      format: 'keras',
      producer: `keras ${version ?? '(version unknown)'}${backend ? ` (${backend})` : ''}`,
      kerasMajor: kerasMajorOf(version),
      notes,
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
  companions: kerasH5Companions,
  read: (main, files) => readKerasH5(main, files),
};
