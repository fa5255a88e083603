import { ModelError, type Graph, type InputLayout } from '../../engine/graph';
import { guarded } from '../keras/errors';
import { isObject, parseJson, type Json, type JsonObject } from '../keras/json';
import { TfjsWeights } from '../keras/tfjs-weights';
import { looksLikeTfjsGraph, tfjsShardPaths } from '../keras/tfjs-reader';
import type { FormatDef, InputFile } from '../types';
import { parseNodes, shapeProto, tensorName, type TfNode } from './graphdef';
import { GraphTranslator } from './translate';

const decoder = new TextDecoder('utf-8');

/** The signature the converter records (top level from TF.js 3, userDefinedMetadata before). */
function signatureOf(json: JsonObject): { inputs: Map<string, (number | null)[]>; outputs: string[] } {
  const meta = isObject(json.userDefinedMetadata) ? json.userDefinedMetadata : {};
  const sig = isObject(json.signature) ? json.signature : isObject(meta.signature) ? meta.signature : {};
  const entries = (v: Json | undefined): JsonObject[] => (isObject(v) ? Object.values(v).filter(isObject) : []);
  const inputs = new Map<string, (number | null)[]>();
  for (const e of entries(sig.inputs)) {
    const dims = isObject(e.tensorShape) ? shapeProto(e.tensorShape) : undefined;
    if (typeof e.name === 'string' && dims) inputs.set(tensorName(e.name).replace(/:\d+$/, ''), dims);
  }
  const outputs = entries(sig.outputs).flatMap((e) => (typeof e.name === 'string' ? [tensorName(e.name)] : []));
  return { inputs, outputs };
}

/** Nodes nothing reads: the outputs when the model states none. */
function sinks(nodes: readonly TfNode[]): string[] {
  const read = new Set(nodes.flatMap((n) => n.inputs.map((r) => r.replace(/:\d+$/, ''))));
  return nodes.filter((n) => !read.has(n.name) && n.op !== 'Const' && n.op !== 'Placeholder' && n.op !== 'NoOp').map((n) => n.name);
}

/** Shows 'block1_conv1_act/Relu' for 'StatefulPartitionedCall/model_1/block1_conv1_act/Relu'. */
function withoutCommonPrefix(names: readonly string[]): (name: string) => string {
  if (names.length < 2) return (n) => n;
  let prefix = names[0].slice(0, names[0].lastIndexOf('/') + 1);
  for (const n of names) while (prefix && !(n.startsWith(prefix) && n.length > prefix.length)) prefix = prefix.slice(0, prefix.slice(0, -1).lastIndexOf('/') + 1);
  return (n) => n.slice(prefix.length);
}

function layoutOf(rank: number): InputLayout {
  return rank === 4 ? 'NHWC' : rank === 3 ? 'NWC' : 'flat';
}

/** A TF.js graph model: model.json holding a TensorFlow GraphDef and the manifest of its weight shards. */
export function readTfjsGraph(main: InputFile, files: readonly InputFile[]): Graph {
  return guarded(main.name, () => {
    const json = parseJson(decoder.decode(main.bytes), main.name);
    if (!isObject(json)) throw new ModelError(`${main.name}: not a TF.js model.json`);
    const nodes = parseNodes(json.modelTopology, main.name);
    const weights = new TfjsWeights(json.weightsManifest, files, main.name);
    const signature = signatureOf(json);
    const outputs = signature.outputs.length > 0 ? signature.outputs : sinks(nodes);
    if (outputs.length === 0) throw new ModelError(`${main.name}: the graph has no output`);
    const t = new GraphTranslator(nodes, weights, main.name, signature.inputs).run(outputs);
    const display = withoutCommonPrefix(t.layerTensors.map((l) => l.name));
    const converter = typeof json.convertedBy === 'string' ? json.convertedBy : 'TensorFlow.js Converter';
    const generator = typeof json.generatedBy === 'string' ? ` from TensorFlow ${json.generatedBy}` : '';
    const input = t.inputs[0];
    const quantization = weights.quantization();
    return {
      inputs: t.inputs,
      outputs: t.outputs,
      initializers: t.b.initializers,
      nodes: t.b.nodes,
      source: { format: 'tfjs', fileName: main.name, producer: `${converter}${generator}`, opset: 13, notes: ['TF.js graph model: layers are the TensorFlow ops, named after their nodes'] },
      hasBatchDim: input !== undefined && input.dims.length >= 2,
      channelAxis: 'last',
      layerTensors: t.layerTensors.map((l) => ({ ...l, name: display(l.name) })),
      ...(input ? { inputLayout: layoutOf(input.dims.length) } : {}),
      ...(quantization ? { quantization } : {}),
    };
  });
}

export const tfjsGraphFormat: FormatDef = {
  id: 'tfjs-graph',
  format: 'tfjs',
  name: 'TF.js graph model.json',
  // After the layers format in the registry: by name alone, model.json goes to that reader.
  extensions: ['model.json'],
  companionExtensions: ['.bin'],
  sniff: (file) => looksLikeTfjsGraph(file.bytes),
  companions: tfjsShardPaths,
  read: (main, files) => readTfjsGraph(main, files),
};
