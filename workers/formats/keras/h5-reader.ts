import { ModelError, type Graph } from '../../engine/graph';
import { Hdf5File, isHdf5, type Hdf5Group } from '../hdf5/index';
import type { FormatDef, InputFile } from '../types';
import { MODEL_CLASSES, parseModelConfig } from './config';
import { guarded } from './errors';
import { KerasH5Weights } from './h5-weights';
import { isObject, parseJson, type Json } from './json';
import { Keras3Weights } from './keras3-weights';
import { kerasMajorOf, translateKeras } from './translate';
import { baseName } from '../file-name';

function stringAttribute(group: Hdf5Group, name: string): string | undefined {
  const v = group.attribute(name);
  return v && v.kind === 'strings' && v.values.length === 1 ? v.values[0] : undefined;
}

const MAX_ARCHITECTURE_BYTES = 64 * 1024 * 1024;

const isWeightsOnly = (root: Hdf5Group): boolean =>
  root.attribute('layer_names') !== undefined || root.group('model_weights') !== undefined || root.group('layers') !== undefined;


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

/** A Keras model config (model.to_json()) in `file`, or undefined. */
function kerasConfigIn(file: InputFile): Json | undefined {
  if (!file.name.toLowerCase().endsWith('.json') || file.bytes.length > MAX_ARCHITECTURE_BYTES) return undefined;
  try {
    const json = parseJson(new TextDecoder().decode(file.bytes), file.name);
    return isObject(json) && typeof json.class_name === 'string' && MODEL_CLASSES.has(json.class_name) ? json : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The architecture of a weights-only file among `files`: `<stem>.json` (also `x.json` for
 * Keras 3's `x.weights.h5`), else the only Keras model config given with it.
 */
function architectureOf(main: InputFile, files: readonly InputFile[]): { config: Json; where: string } {
  const wanted = architectureJsonName(main.name);
  const names = [wanted, wanted.replace(/\.weights\.json$/i, '.json')];
  const configs = files.flatMap((f) => {
    const config = f === main ? undefined : kerasConfigIn(f);
    return config ? [{ config, where: f.name }] : [];
  });
  const found = configs.find((c) => names.includes(baseName(c.where))) ?? (configs.length === 1 ? configs[0] : undefined);
  if (!found) throw new ModelError(`${main.name}: holds weights only, no model_config; its architecture ${wanted} (model.to_json()) is missing beside it`);
  return found;
}

/**
 * A Keras HDF5 file: a full model (model.save('x.h5'): model_config attribute plus
 * model_weights), or weights only (Keras 2 or 3 save_weights) with its architecture in `<stem>.json`.
 */
export function readKerasH5(main: InputFile, files: readonly InputFile[] = [main]): Graph {
  return guarded(main.name, () => {
    const file = new Hdf5File(main.bytes);
    const root = file.root;
    const stored = stringAttribute(root, 'model_config');
    const notes: string[] = [];
    let parsed: Json;
    let where = `${main.name}: model_config`;
    if (stored === undefined) {
      if (!isWeightsOnly(root)) throw new ModelError(`${main.name}: an HDF5 file without a Keras model_config attribute`);
      const architecture = architectureOf(main, files);
      parsed = architecture.config;
      where = architecture.where;
      notes.push(`weights only; architecture from ${baseName(architecture.where)}`);
    } else {
      parsed = parseJson(stored, where);
    }
    const keras3 = stored === undefined && root.group('layers') !== undefined;
    const stated = (key: string): string | undefined => stringAttribute(root, key) ?? (isObject(parsed) && typeof parsed[key] === 'string' ? parsed[key] : undefined);
    const version = stated('keras_version') ?? (keras3 ? '3 (version unknown)' : undefined);
    const backend = stated('backend');
    const model = parseModelConfig(parsed, where);
    const weights = keras3 ? new Keras3Weights(root, 'layers', model.layers) : new KerasH5Weights(root.group('model_weights') ?? root, main.name);
    return translateKeras(model, weights, {
      fileName: main.name,
      format: 'keras',
      producer: `keras ${version ?? '(version unknown)'}${backend ? ` (${backend})` : ''}`,
      kerasMajor: kerasMajorOf(keras3 ? (version ?? '3.0') : version),
      notes,
    });
  });
}

export const kerasH5Format: FormatDef = {
  id: 'keras-h5',
  format: 'keras',
  name: 'Keras .h5',
  extensions: ['.h5', '.hdf5', '.hdf'],
  associations: [{ ext: 'h5', name: 'Keras HDF5 model', description: 'Keras model (HDF5)', mimeType: 'application/x-hdf5', role: 'Viewer', rank: 'Alternate' }],
  sniff: (file) => isHdf5(file.bytes),
  companions: kerasH5Companions,
  read: (main, files) => readKerasH5(main, files),
};
