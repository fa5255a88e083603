import { ModelError, type Graph } from '../../engine/graph';
import { tryParseJson } from '../try-json';
import type { FormatDef, InputFile } from '../types';
import { parseModelConfig } from './config';
import { guarded } from './errors';
import { isObject, parseJson, type Json } from './json';
import { TfjsWeights } from './tfjs-weights';
import { kerasMajorOf, translateKeras } from './translate';

const decoder = new TextDecoder('utf-8');

/** The Keras model config inside a model.json: modelTopology.model_config, or modelTopology itself. */
function modelConfigOf(topology: Json | undefined, where: string): { config: Json; version?: string } {
  if (!isObject(topology)) throw new ModelError(`${where}: modelTopology is missing`);
  if (isObject(topology.model_config)) return { config: topology.model_config, version: typeof topology.keras_version === 'string' ? topology.keras_version : undefined };
  if (typeof topology.class_name === 'string') return { config: topology, version: typeof topology.keras_version === 'string' ? topology.keras_version : undefined };
  if (Array.isArray(topology.node)) throw new ModelError(`${where}: a TF.js graph model (converted from a SavedModel); Neurovis reads TF.js layers models`);
  throw new ModelError(`${where}: modelTopology holds no Keras model config`);
}

/** A TF.js layers model: model.json with the Keras topology and a manifest of .bin shards dropped with it. */
export function readTfjs(main: InputFile, files: readonly InputFile[]): Graph {
  return guarded(main.name, () => {
    const json = parseJson(decoder.decode(main.bytes), main.name);
    if (!isObject(json)) throw new ModelError(`${main.name}: not a TF.js model.json`);
    if (json.format === 'graph-model') throw new ModelError(`${main.name}: a TF.js graph model; Neurovis reads TF.js layers models`);
    const { config, version } = modelConfigOf(json.modelTopology, main.name);
    const model = parseModelConfig(config, main.name);
    const weights = new TfjsWeights(json.weightsManifest, files, main.name);
    const converter = typeof json.convertedBy === 'string' ? json.convertedBy : undefined;
    const generator = typeof json.generatedBy === 'string' ? json.generatedBy : version ? `keras ${version}` : undefined;
    const graph = translateKeras(model, weights, {
      fileName: main.name,
      format: 'tfjs',
      producer: [generator, converter].filter((s) => s).join(', ') || 'TensorFlow.js',
      // tfjs-layers writes its own version ("tfjs-layers 4.2.0") and Keras 2 semantics.
      kerasMajor: /tfjs/i.test(version ?? '') ? 2 : kerasMajorOf(version ?? generator),
    });
    const quantization = weights.quantization();
    return quantization ? { ...graph, quantization } : graph;
  });
}

/** A JSON object with a modelTopology key, found without parsing a file that is not one. */
export function looksLikeTfjs(bytes: Uint8Array): boolean {
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0; // UTF-8 byte order mark
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  if (bytes[i] !== 0x7b) return false;
  const head = decoder.decode(bytes.subarray(0, Math.min(bytes.length, 1 << 20)));
  return head.includes('"modelTopology"');
}

/** A TF.js model.json whose topology is a TensorFlow GraphDef (a graph model), not a Keras config. */
export function looksLikeTfjsGraph(bytes: Uint8Array): boolean {
  if (!looksLikeTfjs(bytes)) return false;
  const head = decoder.decode(bytes.subarray(0, Math.min(bytes.length, 1 << 20)));
  if (/"format"\s*:\s*"graph-model"/.test(head)) return true;
  return /"node"\s*:\s*\[/.test(head) && !/"class_name"/.test(head);
}

/** The weight shards of every manifest group, as model.json names them. */
export function tfjsShardPaths(main: InputFile): string[] {
  const manifest = (tryParseJson(main.bytes) as { weightsManifest?: unknown } | null | undefined)?.weightsManifest;
  if (!Array.isArray(manifest)) return [];
  const paths: string[] = [];
  for (const group of manifest) {
    const groupPaths = (group as { paths?: unknown } | null)?.paths;
    if (!Array.isArray(groupPaths)) continue;
    for (const p of groupPaths) if (typeof p === 'string') paths.push(p);
  }
  return paths;
}

export const tfjsLayersFormat: FormatDef = {
  id: 'tfjs-layers',
  format: 'tfjs',
  name: 'TF.js model.json',
  extensions: ['model.json'],
  companionExtensions: ['.bin'],
  sniff: (file) => looksLikeTfjs(file.bytes) && !looksLikeTfjsGraph(file.bytes),
  companions: tfjsShardPaths,
  read: (main, files) => readTfjs(main, files),
};
