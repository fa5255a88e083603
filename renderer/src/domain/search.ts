/** Search over a model's layers (names, ids, ops) and its output labels. */

export interface SearchLayer {
  readonly id: string;
  readonly name: string;
  readonly op: string;
  readonly neurons: number;
}

export interface SearchHit {
  readonly kind: 'layer' | 'op' | 'label' | 'neuron';
  readonly layer: string;
  readonly neuron: number;
  /** What matched, as shown. */
  readonly text: string;
}

/**
 * Hits for `query`, best first: a layer by name or id, then by op, then class labels.
 * "NAME N" (or "NAME #N", "NAME:N") names neuron N of a layer.
 */
export function searchModel(layers: readonly SearchLayer[], labels: { readonly layer: string; readonly names: readonly string[] } | null, query: string, limit = 20): SearchHit[] {
  const q = query.trim().toLowerCase();
  if (q === '') return [];
  const hits: SearchHit[] = [];
  const neuronRef = /^(.*?)[\s#:]+(\d+)$/.exec(q);
  if (neuronRef) {
    const [, name, index] = neuronRef;
    for (const l of layers) {
      const n = Number(index);
      if ((l.name.toLowerCase() === name || l.id.toLowerCase() === name) && n < l.neurons) hits.push({ kind: 'neuron', layer: l.id, neuron: n, text: `${l.name} · ${n}` });
    }
  }
  const starts = (s: string): boolean => s.toLowerCase().startsWith(q);
  const has = (s: string): boolean => s.toLowerCase().includes(q);
  const byName = layers.filter((l) => has(l.name) || has(l.id));
  byName.sort((a, b) => Number(starts(b.name)) - Number(starts(a.name)));
  for (const l of byName) hits.push({ kind: 'layer', layer: l.id, neuron: 0, text: l.name });
  for (const l of layers) if (has(l.op) && !byName.includes(l)) hits.push({ kind: 'op', layer: l.id, neuron: 0, text: `${l.name} (${l.op})` });
  if (labels) labels.names.forEach((name, n) => has(name) && hits.push({ kind: 'label', layer: labels.layer, neuron: n, text: name }));
  return hits.slice(0, limit);
}
