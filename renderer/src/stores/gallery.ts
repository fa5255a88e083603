import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { GallerySettings, LayerResult, ModelSummary, PoolError } from '../../../workers/pool/api';
import { unionCrop } from '../../../workers/engine/receptive-field';
import { thumbnailDrawing } from '../../../workers/imaging/input-layout';
import { thumbGeometry } from '../../../workers/imaging/thumb-source';
import { rowCacheBytes } from '../domain/budget';
import { LayerData } from '../domain/layer-data';
import { RowCache } from '../domain/row-cache';

export type GalleryView = 'gallery' | 'detail' | 'overview' | 'graph' | 'weights' | 'compare';

/** How a layer's neurons are laid out in its cells (stores/explore.ts sorts and filters them). */
export interface Ordering {
  neuronAt(layer: string, cell: number): number;
  /** -1 when the neuron is not shown. */
  cellOf(layer: string, neuron: number): number;
  shownCount(layer: string, neurons: number): number;
}

const PLAIN_ORDER: Ordering = { neuronAt: (_l, k) => k, cellOf: (_l, n) => n, shownCount: (_l, n) => n };

export interface LayerCounts {
  readonly received: number;
  readonly failed: number;
  readonly total: number;
  readonly key: string;
  /** Why neurons of this layer failed (shown in its section), null when none did. */
  readonly failure: string | null;
}

export interface NeuronRef {
  readonly layer: string;
  readonly neuron: number;
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * The results of every layer and what the user looks at. Results live in plain typed
 * arrays (LayerData); `revision` and `counts` tell the views when they changed.
 */
export const useGallery = defineStore('gallery', () => {
  const summary = shallowRef<ModelSummary | null>(null);
  /** Not reactive on purpose: megabytes of floats. */
  let data = new Map<string, LayerData>();
  /** The full rows of every layer, within a share of the memory budget (domain/budget.ts). */
  const rows = new RowCache(rowCacheBytes());
  const revision = ref(0);
  const counts = shallowRef<Record<string, LayerCounts>>({});
  const view = ref<GalleryView>('gallery');
  const focus = ref<NeuronRef | null>(null);
  const overviewLayer = ref<string | null>(null);
  /** Cells per row of the gallery as drawn (for moving the focus a row up or down). */
  const columns = ref(1);
  /** Where the gallery was scrolled to when it was last shown. */
  const scrollTop = ref(0);
  let ordering: Ordering = PLAIN_ORDER;
  function setOrdering(o: Ordering): void {
    ordering = o;
  }

  let flushScheduled = false;
  function flush(): void {
    flushScheduled = false;
    const next: Record<string, LayerCounts> = {};
    for (const [id, d] of data) next[id] = { received: d.received, failed: d.failed, total: d.neurons, key: d.key, failure: d.failed > 0 ? d.failure : null };
    counts.value = next;
    revision.value++;
  }
  /** Coalesces the reactive update of a burst of results into one per frame. */
  function scheduleFlush(): void {
    if (flushScheduled) return;
    flushScheduled = true;
    let done = false;
    const run = (): void => {
      if (done) return;
      done = true;
      flush();
    };
    requestAnimationFrame(run);
    // Hidden windows get no animation frames.
    setTimeout(run, 100);
  }

  function reset(next: ModelSummary | null): void {
    summary.value = next;
    data = new Map();
    rows.clear();
    view.value = 'gallery';
    overviewLayer.value = null;
    scrollTop.value = 0;
    focus.value = next && next.layers.length > 0 ? { layer: next.layers[0].id, neuron: 0 } : null;
    flush();
  }

  /**
   * Starts fresh data for layers whose key changed (`changed`); `needed` adds the layers
   * still incomplete under an unchanged key. `settings`: what the run computes with.
   */
  function prepare(keys: ReadonlyMap<string, string>, settings: GallerySettings, neuronLimit = Infinity): { changed: string[]; needed: string[] } {
    const model = summary.value;
    if (!model) return { changed: [], needed: [] };
    const inputSize = sizeOf(model.inputShape);
    const changed: string[] = [];
    const needed: string[] = [];
    for (const layer of model.layers) {
      const key = keys.get(layer.id)!;
      const current = data.get(layer.id);
      if (!current || current.key !== key) {
        // Thumbnails are cut to the receptive-field box under the objective, as the gallery draws them.
        const geometry = thumbGeometry(thumbnailDrawing(model, unionCrop(layer.crops, settings.objective.kind)));
        data.set(layer.id, new LayerData(layer, key, inputSize, Math.min(layer.neurons, neuronLimit), geometry, rows, settings));
        changed.push(layer.id);
        needed.push(layer.id);
      } else if (!current.complete || current.failed > 0) {
        needed.push(layer.id);
      }
    }
    scheduleFlush();
    return { changed, needed };
  }

  function accept(result: LayerResult): void {
    data.get(result.layer)?.accept(result);
    scheduleFlush();
  }

  function fail(error: PoolError): void {
    const d = data.get(error.layer);
    if (!d) return;
    for (const n of error.neurons) d.fail(n, error.message);
    scheduleFlush();
  }

  /** Forgets failures so a new run retries them. */
  function clearFailures(): void {
    for (const [id, d] of data) if (d.failed > 0) data.set(id, d.withoutFailures());
    scheduleFlush();
  }

  const layerIds = computed(() => summary.value?.layers.map((l) => l.id) ?? []);

  function layerData(id: string): LayerData | undefined {
    return data.get(id);
  }

  /** A row computed again arrived (services/rows.ts): the views that wait for it draw. */
  function restore(layer: string, key: string, neuron: number, row: Float32Array): void {
    const d = data.get(layer);
    if (!d || d.key !== key) return;
    d.restore(neuron, row);
    scheduleFlush();
  }

  function openDetail(ref: NeuronRef): void {
    focus.value = ref;
    view.value = 'detail';
  }
  function openOverview(layer: string): void {
    overviewLayer.value = layer;
    view.value = 'overview';
  }
  function back(): void {
    view.value = 'gallery';
  }

  /** Moves the focus by one cell (dx) or one row of `columns` (dy), across layers at the ends, in the order shown. */
  function moveFocus(dx: number, dy: number, columnsOf: (layerId: string) => number): void {
    const model = summary.value;
    if (!model || model.layers.length === 0) return;
    const ids = model.layers.map((l) => l.id);
    const current = focus.value ?? { layer: ids[0], neuron: 0 };
    let li = Math.max(0, ids.indexOf(current.layer));
    const count = (i: number): number => Math.max(1, ordering.shownCount(ids[i], data.get(ids[i])?.neurons ?? model.layers[i].neurons));
    const start = Math.max(0, ordering.cellOf(current.layer, current.neuron));
    let n = start;
    if (dx !== 0) {
      n += dx;
      if (n < 0) {
        if (li > 0) {
          li--;
          n = count(li) - 1;
        } else n = 0;
      } else if (n >= count(li)) {
        if (li < ids.length - 1) {
          li++;
          n = 0;
        } else n = count(li) - 1;
      }
    }
    if (dy !== 0) {
      const cols = Math.max(1, columnsOf(ids[li]));
      const col = n % cols;
      n += dy * cols;
      if (n < 0) {
        if (li > 0) {
          li--;
          const c = Math.max(1, columnsOf(ids[li]));
          const lastRow = Math.floor((count(li) - 1) / c);
          n = Math.min(count(li) - 1, lastRow * c + Math.min(col, c - 1));
        } else n = start;
      } else if (n >= count(li)) {
        const lastRowStart = Math.floor((count(li) - 1) / cols) * cols;
        if (start < lastRowStart) n = count(li) - 1;
        else if (li < ids.length - 1) {
          li++;
          n = Math.min(count(li) - 1, Math.min(col, Math.max(1, columnsOf(ids[li])) - 1));
        } else n = start;
      }
    }
    focus.value = { layer: ids[li], neuron: Math.max(0, ordering.neuronAt(ids[li], n)) };
  }

  /** Shows a layer's section, or a neuron of it, in the gallery. */
  function goTo(ref: NeuronRef): void {
    focus.value = ref;
    view.value = 'gallery';
  }
  function show(next: GalleryView): void {
    view.value = next;
  }

  /** The user chose another size of the row cache (Settings): the least recently used rows go at once. */
  function setRowCacheBudget(bytes: number): void {
    rows.setBudget(bytes);
  }

  return { setRowCacheBudget, summary, revision, counts, view, focus, overviewLayer, columns, scrollTop, layerIds, reset, prepare, accept, restore, fail, clearFailures, layerData, openDetail, openOverview, back, moveFocus, goTo, show, setOrdering };
});
