/**
 * Ways into a gallery: class labels of the output layer (from the model or a file the user
 * picks), the order each layer is shown in, and hiding dead neurons.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import { labelledLayer, parseLabels } from '../domain/labels';
import { inverseOrder, neuronOrder, type NeuronSort } from '../domain/neuron-order';
import { useGallery } from './gallery';

export const useExplore = defineStore('explore', () => {
  const gallery = useGallery();
  /** Labels the user loaded from a file; they replace the model's own. */
  const userLabels = shallowRef<{ readonly file: string; readonly names: readonly string[] } | null>(null);
  const sorts = ref<Record<string, NeuronSort>>({});
  const hideDead = ref(false);

  const labelNames = computed<readonly string[] | null>(() => userLabels.value?.names ?? gallery.summary?.labels ?? null);
  const labelLayer = computed(() => labelledLayer(gallery.summary?.layers ?? [], labelNames.value));
  const labels = computed(() => (labelLayer.value && labelNames.value ? { layer: labelLayer.value, names: labelNames.value } : null));

  function labelOf(layer: string, neuron: number): string | undefined {
    return layer === labelLayer.value ? labelNames.value?.[neuron] : undefined;
  }

  /** Reads a labels file: one class per line. Returns the number of names, or throws when it does not fit the model. */
  function loadLabels(file: string, text: string): number {
    const names = parseLabels(text);
    const layers = gallery.summary?.layers ?? [];
    if (!labelledLayer(layers, names)) throw new LabelsMismatch(file, names.length, layers[layers.length - 1]?.neurons ?? 0);
    userLabels.value = { file, names };
    return names.length;
  }

  function sortOf(layer: string): NeuronSort {
    return sorts.value[layer] ?? 'index';
  }
  function setSort(layer: string, sort: NeuronSort): void {
    sorts.value = { ...sorts.value, [layer]: sort };
  }

  /** Orders per layer, made again when results arrive or the choice changes. */
  const orders = computed(() => {
    void gallery.revision;
    const out = new Map<string, { order: Int32Array; at: Int32Array }>();
    for (const l of gallery.summary?.layers ?? []) {
      const order = neuronOrder(gallery.layerData(l.id), l.neurons, sortOf(l.id), hideDead.value);
      if (order) out.set(l.id, { order, at: inverseOrder(order, l.neurons) });
    }
    return out;
  });
  /** The neuron shown in cell k of a layer. */
  function neuronAt(layer: string, k: number): number {
    return orders.value.get(layer)?.order[k] ?? k;
  }
  /** The cell a neuron is shown in, -1 when it is hidden. */
  function cellOf(layer: string, neuron: number): number {
    const o = orders.value.get(layer);
    return o ? o.at[neuron] : neuron;
  }
  /** How many cells a layer shows. */
  function shownCount(layer: string, neurons: number): number {
    return orders.value.get(layer)?.order.length ?? neurons;
  }

  gallery.setOrdering({ neuronAt, cellOf, shownCount });

  watch(
    () => gallery.summary?.digest,
    () => {
      userLabels.value = null;
      sorts.value = {};
    },
  );

  return { userLabels, labels, labelLayer, labelOf, loadLabels, sorts, sortOf, setSort, hideDead, orders, neuronAt, cellOf, shownCount };
});

/** A labels file whose count fits no layer. */
export class LabelsMismatch extends Error {
  constructor(
    readonly file: string,
    readonly count: number,
    readonly outputs: number,
  ) {
    super(`${file}: ${count} labels, but no layer has ${count} neurons (the output has ${outputs})`);
  }
}
