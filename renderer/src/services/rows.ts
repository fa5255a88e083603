/**
 * Full x* rows the app let go (domain/row-cache.ts), computed again on the side pool: the
 * engine is deterministic, so a row comes back as it was (issue 18). The detail view asks for
 * one neuron; the export for every row of a layer, taken from the cache where it still is.
 */
import type { LayerData } from '../domain/layer-data';
import { useGallery } from '../stores/gallery';
import { useModel } from '../stores/model';
import { collectNeurons, onSidePool, type SideModel } from './side-pool';
import { xstarRow } from '../../../workers/engine/layer-result';

function sideModel(): SideModel | null {
  const gallery = useGallery();
  const model = useModel();
  const summary = gallery.summary;
  return summary ? { files: model.files, digest: summary.digest, options: model.loadOptions() } : null;
}

/** Rows being computed again, by layer, key and neuron: asked for once. */
const underWay = new Map<string, Promise<void>>();

/** Makes the full row of a neuron whose result arrived available again (gallery.restore); resolves when it is, or the model changed. */
export function wantRow(layer: string, neuron: number): Promise<void> {
  const gallery = useGallery();
  const data = gallery.layerData(layer);
  const model = sideModel();
  if (!data || !model || !data.has(neuron) || data.row(neuron)) return Promise.resolve();
  const id = `${layer}\u0000${data.key}\u0000${neuron}`;
  let pending = underWay.get(id);
  if (!pending) {
    const key = data.key;
    pending = onSidePool(model, (p) => collectNeurons(p, data.settings, layer, [neuron], (r, row) => gallery.restore(layer, key, neuron, xstarRow(r, row).slice()))).finally(() => underWay.delete(id));
    underWay.set(id, pending);
  }
  return pending;
}

/**
 * Every row of a complete layer in neuron order (the export's x*): those the cache holds, and
 * the rest computed again, written in place as they come.
 */
export function layerRows(data: LayerData): Promise<Float32Array> {
  return layerRowBlock(data, 0, data.neurons);
}

/** Rows first … first + count − 1 of a complete layer (a block of a streamed export), computed again where the cache let them go. */
export async function layerRowBlock(data: LayerData, first: number, count: number): Promise<Float32Array> {
  const size = data.inputSize;
  const out = new Float32Array(count * size);
  const missing: number[] = [];
  for (let n = first; n < first + count; n++) {
    const row = data.row(n);
    if (row) out.set(row, (n - first) * size);
    else missing.push(n);
  }
  const model = sideModel();
  if (missing.length === 0 || !model) return out;
  await onSidePool(model, (p) => collectNeurons(p, data.settings, data.layer.id, missing, (r, row) => out.set(xstarRow(r, row), (r.neurons[row] - first) * size)));
  return out;
}
