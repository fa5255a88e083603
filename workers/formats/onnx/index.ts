import { ModelError, type Graph, type ModelSource } from '../../engine/graph';
import type { FormatDef, InputFile } from '../types';
import { dequantizeGraph, isQuantized } from './dequantize-graph';
import { onnxExternalDataLocations } from './external-data';
import { readGraph, type DecodedGraph } from './graph-proto';
import { WIRE_LENGTH, WIRE_VARINT, WireReader } from './wire';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export { decodeTensorProto, decodeTensorFile } from './tensor-proto';

/** The opsets whose operator definitions the engine follows. */
export const MIN_OPSET = 7;
export const MAX_OPSET = 21;

/** Wire type of each ModelProto field (onnx.proto): what a real file may hold at top level. */
const MODEL_FIELDS: ReadonlyMap<number, number> = new Map([
  [1, WIRE_VARINT], // ir_version
  [2, WIRE_LENGTH], // producer_name
  [3, WIRE_LENGTH], // producer_version
  [4, WIRE_LENGTH], // domain
  [5, WIRE_VARINT], // model_version
  [6, WIRE_LENGTH], // doc_string
  [7, WIRE_LENGTH], // graph
  [8, WIRE_LENGTH], // opset_import
  [14, WIRE_LENGTH], // metadata_props
  [20, WIRE_LENGTH], // training_info
  [25, WIRE_LENGTH], // functions
]);

/** GraphProto fields (all length-delimited) a graph may start with. */
const GRAPH_FIRST_FIELDS = new Set([1, 2, 5, 10, 11, 12, 13, 14, 15]);

/**
 * Whether the bytes look like a ModelProto: every top-level field must be one ModelProto
 * defines, with its wire type, ir_version must be a known version, and a graph must be
 * present. Random bytes fail within the first few fields. A graph whose length runs past
 * the end still counts (a truncated model, reported as such by read()).
 */
export function looksLikeOnnx(bytes: Uint8Array): boolean {
  const r = new WireReader(bytes, 0, bytes.length, '');
  let irVersion = -1;
  let graph = false;
  try {
    for (let fields = 0; !r.done() && fields < 4096; fields++) {
      const key = r.tag();
      const field = key >>> 3;
      const wire = key & 7;
      if (MODEL_FIELDS.get(field) !== wire) return false;
      if (field === 1) {
        irVersion = r.int64();
        if (irVersion < 1 || irVersion > 15) return false;
      } else if (field === 7) {
        const at = r.pos;
        const length = r.uint32();
        if (length === 0 || r.pos >= bytes.length) return false;
        const first = bytes[r.pos];
        if ((first & 7) !== WIRE_LENGTH || !GRAPH_FIRST_FIELDS.has(first >>> 3)) return false;
        graph = true;
        if (length > bytes.length - r.pos) return irVersion > 0;
        r.pos = at;
        r.skip(wire);
      } else {
        r.skip(wire);
      }
      if (graph && irVersion > 0) return true;
    }
  } catch {
    return false;
  }
  return graph && irVersion > 0;
}

interface ModelHeader {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  opset: number | undefined;
  otherDomains: string[];
  functions: number;
  graph: DecodedGraph | undefined;
}

/**
 * Reads an ONNX model. A quantised graph is read as its float network (dequantize-graph.ts)
 * unless `dequantize` is false (the file's own nodes, as tests compare them with onnx's decoder).
 */
export function readOnnx(main: InputFile, files: readonly InputFile[], options: { dequantize?: boolean } = {}): Graph {
  const fileName = main.name;
  const bytes = main.bytes;
  if (bytes.length === 0) throw new ModelError(`${fileName}: the file is empty`);
  const notes: string[] = [];
  // Subgraphs share this object; producer and opset are filled in once the whole file is read.
  const source: Mutable<ModelSource> = { format: 'onnx', fileName };
  const header: ModelHeader = { irVersion: 0, producerName: '', producerVersion: '', opset: undefined, otherDomains: [], functions: 0, graph: undefined };
  const r = WireReader.whole(bytes, fileName);
  while (!r.done()) {
    const key = r.tag();
    const wire = key & 7;
    const field = key >>> 3;
    const expected = MODEL_FIELDS.get(field);
    if (expected !== undefined && expected !== wire) throw r.fail(`ModelProto field ${field} has wire type ${wire}`);
    switch (field) {
      case 1:
        header.irVersion = r.int64();
        break;
      case 2:
        header.producerName = r.string();
        break;
      case 3:
        header.producerVersion = r.string();
        break;
      case 7:
        header.graph = readGraph(r.message(), { src: { fileName, bytes, files }, source, notes });
        break;
      case 8: {
        const { domain, version } = readOpsetId(r.message());
        if (domain === '' || domain === 'ai.onnx') header.opset = version;
        else header.otherDomains.push(`${domain} ${version}`);
        break;
      }
      case 25:
        header.functions++;
        r.skip(wire);
        break;
      default:
        r.skip(wire);
    }
  }
  const g = header.graph;
  if (!g) throw new ModelError(`${fileName}: the ONNX file holds no graph`);
  if (header.opset === undefined) notes.push('the file declares no ai.onnx opset; opset 13 rules are assumed');
  else if (header.opset < MIN_OPSET || header.opset > MAX_OPSET) notes.push(`opset ${header.opset} is outside the range Neurovis follows (${MIN_OPSET}–${MAX_OPSET})`);
  if (header.otherDomains.length > 0) notes.push(`operator sets of other domains: ${header.otherDomains.join(', ')}`);
  if (header.functions > 0) notes.push(`the file defines ${header.functions} local function(s), which Neurovis does not expand`);
  const producer = `${header.producerName} ${header.producerVersion}`.trim();
  if (producer) source.producer = producer;
  if (header.opset !== undefined) source.opset = header.opset;
  const quantized = options.dequantize !== false && isQuantized(g) ? dequantizeGraph(g, fileName, header.opset ?? 13, notes) : undefined;
  if (notes.length > 0) source.notes = notes;
  const inputs = (quantized?.inputs ?? g.inputs).filter((i) => !g.initializers.has(i.name));
  return {
    inputs,
    outputs: g.outputs,
    initializers: quantized?.initializers ?? g.initializers,
    nodes: quantized?.nodes ?? g.nodes,
    source,
    hasBatchDim: inputs.length > 0 && inputs[0].dims.length >= 2,
    channelAxis: 'first',
    ...(quantized && { layerOps: quantized.layerOps, quantization: quantized.quantization }),
  };
}

function readOpsetId(r: WireReader): { domain: string; version: number } {
  let domain = '';
  let version = 0;
  while (!r.done()) {
    const key = r.tag();
    if (key === 0x0a) domain = r.string();
    else if (key === 0x10) version = r.int64();
    else r.skip(key & 7);
  }
  return { domain, version };
}

export const onnxFormat: FormatDef = {
  id: 'onnx',
  format: 'onnx',
  name: 'ONNX',
  extensions: ['.onnx'],
  companionExtensions: ['.data'],
  associations: [{ ext: 'onnx', name: 'ONNX model', description: 'ONNX neural network model', mimeType: 'application/x-onnx', role: 'Viewer', rank: 'Alternate' }],
  sniff: (file) => looksLikeOnnx(file.bytes),
  companions: (main) => onnxExternalDataLocations(main.bytes),
  read: (main, files) => readOnnx(main, files),
};
