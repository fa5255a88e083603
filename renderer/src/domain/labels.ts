/** Class names of output neurons: read from a labels file, and the layer they name. */
import type { LayerInfo } from '../../../workers/engine/prepare';

/**
 * One class name per line (labels.txt, *.labels). Blank lines at the end are dropped; a
 * leading index ("0 cat", "1: dog", "2,bird") is dropped when every line has one, in order.
 */
export function parseLabels(text: string): string[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  const indexed = lines.map((l) => /^\s*(\d+)\s*[:,\s]\s*(.*)$/.exec(l));
  if (lines.length > 1 && indexed.every((m, i) => m !== null && Number(m[1]) === i + Number(indexed[0]![1]))) return indexed.map((m) => m![2].trim());
  return lines.map((l) => l.trim());
}

/** The layer the labels name: the last layer with exactly one neuron per label (the output). */
export function labelledLayer(layers: readonly Pick<LayerInfo, 'id' | 'neurons'>[], labels: readonly string[] | null | undefined): string | null {
  if (!labels || labels.length === 0) return null;
  for (let i = layers.length - 1; i >= 0; i--) if (layers[i].neurons === labels.length) return layers[i].id;
  return null;
}
