import { ascentHead } from '../engine/ascent-family';
import { flopsPerNeuron, forwardSizes, layerAscends, layerWork } from '../engine/estimate';
import { gateNodes } from '../engine/gates';
import type { PreparedModel } from '../engine/prepare';
import { describeStructure } from '../engine/structure';
import type { ModelSummary } from './api';
import type { PackedModel } from './protocol';

/**
 * What the UI and the pool's callers learn about a loaded model; the worker and loadGraph
 * both make it here. `imageShape`: the one asked for when the model was opened (a model
 * prepared again from its packed graph no longer knows it).
 */
export function summarize(prepared: PreparedModel, digest: string, packed: PackedModel, imageShape: readonly number[] | null = prepared.imageShape): ModelSummary {
  return {
    digest,
    source: prepared.graph.source,
    ...(prepared.graph.quantization && { quantization: prepared.graph.quantization }),
    ...(prepared.graph.labels && { labels: prepared.graph.labels }),
    ...(prepared.graph.inputRange && { inputRange: prepared.graph.inputRange }),
    structure: describeStructure(prepared),
    inputShape: prepared.inputFeatureShape,
    inputLayout: prepared.inputLayout,
    imageShape,
    layers: prepared.layers,
    layerFlops: prepared.layers.map((l) => flopsPerNeuron(prepared, l)),
    layerAscends: prepared.layers.map((l) => layerAscends(prepared, l)),
    ascentHeads: prepared.layers.map((l) => ascentHead(prepared, l)),
    layerWork: prepared.layers.map((l) => layerWork(prepared, l)),
    nonlinearNodes: prepared.nonlinearNodes,
    gateNodes: gateNodes(prepared),
    forwardBytes: forwardSizes(prepared).forwardBytes,
    weightBytes: packed.buffer.byteLength,
    sharedWeights: typeof SharedArrayBuffer !== 'undefined' && packed.buffer instanceof SharedArrayBuffer,
  };
}
