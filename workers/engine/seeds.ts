import { ModelError } from './graph';
import type { LayerInfo, PreparedModel } from './prepared-model';
import { formatShape, sizeOf } from './tensor';

/** What a seed y* asks of a layer (DESIGN.md §1, §2). */
export type Objective =
  /** Rank-1 layers: the element; conv-like layers: the channel at the centre position. */
  | { readonly kind: 'neuron' }
  /** The mean of the channel over every position. */
  | { readonly kind: 'channel' }
  /** The channel at a given spatial position (conv-like layers). */
  | { readonly kind: 'position'; readonly position: readonly number[] }
  /** One seed over the whole layer output (feature shape); the layer then has one "neuron". */
  | { readonly kind: 'direction'; readonly vector: Float32Array };

export function layerById(model: PreparedModel, id: string): LayerInfo {
  const layer = model.layers.find((l) => l.id === id);
  if (!layer) throw new ModelError(`no layer "${id}" in ${model.graph.source.fileName}`);
  return layer;
}

/** Writes the seed y* of one neuron into out[offset … offset + size(featureShape)). */
export function writeSeed(layer: LayerInfo, neuron: number, objective: Objective, out: Float32Array, offset: number): void {
  const shape = layer.featureShape;
  const size = sizeOf(shape);
  if (objective.kind === 'direction') {
    if (objective.vector.length !== size) {
      throw new ModelError(`direction has ${objective.vector.length} values; layer "${layer.id}" has ${size}`);
    }
    out.set(objective.vector, offset);
    return;
  }
  if (!Number.isInteger(neuron) || neuron < 0 || neuron >= layer.neurons) {
    throw new ModelError(`neuron ${neuron} is out of range: layer "${layer.id}" has ${layer.neurons}`);
  }
  const axis = layer.channelAxis;
  if (axis === null) {
    out[offset + neuron] = 1;
    return;
  }
  const spatial = shape.filter((_, i) => i !== axis);
  const channels = shape[axis];
  const spatialSize = sizeOf(spatial);
  // Flat index of (channel, spatial position) in the layer's own layout.
  const at = (pos: number): number => (axis === 0 ? neuron * spatialSize + pos : pos * channels + neuron);
  if (objective.kind === 'channel') {
    const w = 1 / spatialSize;
    for (let p = 0; p < spatialSize; p++) out[offset + at(p)] = w;
    return;
  }
  const position = objective.kind === 'position' ? objective.position : spatial.map((d) => Math.floor((d - 1) / 2));
  if (position.length !== spatial.length || position.some((p, i) => !Number.isInteger(p) || p < 0 || p >= spatial[i])) {
    throw new ModelError(`position [${position.join(', ')}] is outside layer "${layer.id}" (spatial ${formatShape(spatial)})`);
  }
  let pos = 0;
  for (let i = 0; i < spatial.length; i++) pos = pos * spatial[i] + position[i];
  out[offset + at(pos)] = 1;
}
