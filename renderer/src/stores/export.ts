/**
 * The app's export (File ▸ Export…, or the toolbar): what to export (the current neuron,
 * the current layer, chosen layers, the whole model), in which formats, with progress and
 * cancel. Files are made in a Web Worker (services/export-job.ts) and handed to the host
 * in one request only when all are made: a cancelled export writes nothing, and the host
 * writes each file to a temporary name, then renames it.
 */
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import { ExportCancelled, type CollectedFile, type ExportFormats, type ExportInput } from '../../../workers/export/collect';
import { unionCrop } from '../../../workers/engine/receptive-field';
import { DEFAULT_SHEET_OPTIONS, drawnGallery, resolveOptions } from '../../../workers/export/layer-images';
import { safeFileNames, type GalleryLayer } from '../../../workers/export/manifest';
import { encodePng } from '../../../workers/imaging/png';
import { renderSheetSvg } from '../../../workers/export/svg';
import { neuronThumbnail, type SheetOptions } from '../../../workers/export/sprite';
import { encodeNpy } from '../../../workers/formats/numpy/npy';
import { getHost } from '../host/index';
import { collectInWorker, streamInWorker } from '../services/export-job';
import { layerRowBlock, layerRows, wantRow } from '../services/rows';
import type { ExportRequest, SaveResult } from '../host/host';
import { npyBytes, type RowSource } from '../../../workers/export/stream-export';
import { exportHoldBytes } from '../domain/budget';
import { formatBytes } from '../../../workers/engine/budget';
import { drawingShape } from '../../../workers/imaging/input-layout';
import { useExplore } from './explore';
import { useGallery } from './gallery';
import { useSettings } from './settings';
import { errorMessage } from '../../../workers/engine/graph';

export type ExportScope = 'neuron' | 'layer' | 'layers' | 'model';

export type ExportStatus = { kind: 'idle' } | { kind: 'running'; done: number; total: number } | { kind: 'saved'; paths: string[] } | { kind: 'cancelled' } | { kind: 'error'; message: string; params?: Record<string, string> };

/** A problem the dialog explains in the user's language: `key` is an i18n key under export.errors. */
class ExportProblem extends Error {
  constructor(
    readonly key: string,
    readonly params: Record<string, string> = {},
  ) {
    super(key);
  }
}


export const useExport = defineStore('export', () => {
  const open = ref(false);
  const scope = ref<ExportScope>('layer');
  const chosen = ref<string[]>([]);
  const formats = ref<ExportFormats>({ png: true, svg: true, npy: true, json: true });
  /** 0: automatic (thumbnails of about 64 pixels). */
  const factor = ref(0);
  const showValues = ref(DEFAULT_SHEET_OPTIONS.showValues);
  const status = shallowRef<ExportStatus>({ kind: 'idle' });
  let controller: AbortController | null = null;

  function show(): void {
    if (status.value.kind !== 'running') status.value = { kind: 'idle' };
    open.value = true;
  }
  function close(): void {
    cancel();
    open.value = false;
  }
  function cancel(): void {
    controller?.abort();
  }

  /** The layers the scope names, in model order. */
  function scopeLayers(): string[] {
    const gallery = useGallery();
    const ids = gallery.layerIds;
    if (scope.value === 'model') return [...ids];
    if (scope.value === 'layers') return ids.filter((id) => chosen.value.includes(id));
    const current = gallery.focus?.layer ?? ids[0];
    return current ? [current] : [];
  }

  function sheetOptions(): SheetOptions {
    const settings = useSettings();
    return { colormap: settings.display.colormap, scale: settings.display.scale, factor: factor.value, showValues: showValues.value, stretch: settings.display.stretch };
  }

  /** The files of the current neuron: its thumbnail PNG and its x* as a [1, …input] .npy. */
  async function neuronFiles(): Promise<CollectedFile[]> {
    const gallery = useGallery();
    const summary = gallery.summary!;
    const focus = gallery.focus;
    const data = focus ? gallery.layerData(focus.layer) : undefined;
    // A row the app let go is computed again first (issue 18).
    if (focus && data) await wantRow(focus.layer, focus.neuron);
    const row = focus && data ? data.row(focus.neuron) : null;
    if (!focus || !data || !row) throw new ExportProblem('export.errors.noResult');
    const base = `${safeFileNames([focus.layer], '')[0]}.neuron_${focus.neuron}`;
    const files: CollectedFile[] = [];
    const drawing = drawingShape(summary);
    // The layer's receptive-field crop, as on the CLI's sheets.
    const crop = unionCrop(data.layer.crops, useSettings().gallerySettings.objective.kind);
    const g = drawnGallery(data.layer.name, row, drawing, { crop, units: useSettings().drawingUnits });
    // The scale of the layer when asked for, else the neuron's own.
    const options = resolveOptions(g, sheetOptions());
    const layerMax = options.scale === 'layer' ? data.layerMax : undefined;
    const thumb = formats.value.png || formats.value.svg ? neuronThumbnail(g, 0, options, layerMax) : null;
    if (thumb && formats.value.png) files.push({ name: `${base}.png`, bytes: encodePng(thumb) });
    if (thumb && formats.value.svg) {
      const sheet = { width: thumb.width, height: thumb.height, thumbWidth: thumb.width, thumbHeight: thumb.height, cells: [{ neuron: 0, x: 0, y: 0 }], texts: [], legend: null };
      files.push({ name: `${base}.svg`, bytes: new TextEncoder().encode(renderSheetSvg(sheet, [thumb], options.colormap)) });
    }
    if (formats.value.npy) files.push({ name: `${base}.npy`, bytes: encodeNpy([1, ...summary.inputShape], Float32Array.from(row)) });
    return files;
  }

  /** The layers to export without their rows; throws while any is incomplete. */
  function exportMeta(ids: readonly string[]): ExportInput {
    const gallery = useGallery();
    const settings = useSettings();
    const explore = useExplore();
    const summary = gallery.summary!;
    const layers: GalleryLayer[] = [];
    const pending: string[] = [];
    for (const id of ids) {
      const d = gallery.layerData(id);
      // Class names the user loaded (a labels file) go into the manifest like the model's own.
      const names = explore.labels?.layer === id ? [...explore.labels.names] : undefined;
      const layer = d?.complete && d.failed === 0 ? d.galleryMeta(names ? { ...d.layer, labels: names } : d.layer, summary.inputShape) : null;
      if (layer) layers.push(layer);
      else pending.push(id);
    }
    if (pending.length > 0) throw new ExportProblem('export.errors.pending', { layers: pending.join(', ') });
    const g = settings.gallerySettings;
    return { source: summary.source, quantized: summary.quantization, inputShape: summary.inputShape, inputLayout: summary.inputLayout, imageShape: summary.imageShape, settings: { mode: g.mode, objective: JSON.parse(JSON.stringify(g.objective)) as typeof g.objective, radius: g.radius }, layers, units: settings.drawingUnits };
  }

  /** The layers with every row (a small export, made in memory): rows the cache let go are computed again (issue 18), one layer at a time. */
  async function withRows(input: ExportInput): Promise<ExportInput> {
    const gallery = useGallery();
    const layers: GalleryLayer[] = [];
    for (const l of input.layers) layers.push({ ...l, xstar: await layerRows(gallery.layerData(l.layer)!) });
    return { ...input, layers };
  }

  /**
   * A big export, written into a folder as it is made (issue 18): a block of rows at a time,
   * whatever the model. Where the host cannot write a folder it is refused, not held in memory.
   */
  async function streamed(input: ExportInput, chosen: ExportFormats, hold: number, folderName: string, signal: AbortSignal): Promise<SaveResult> {
    const host = getHost();
    if (!host.openExportFolder) {
      const neurons = input.layers.reduce((n, l) => n + l.neurons.length, 0);
      throw new ExportProblem('export.errors.tooBig', { neurons: neurons.toLocaleString(), size: formatBytes(npyBytes(input)), limit: formatBytes(hold) });
    }
    const folder = await host.openExportFolder(folderName);
    if (!folder) return { saved: false };
    const gallery = useGallery();
    const rows: RowSource = { rows: (layer, first, count) => layerRowBlock(gallery.layerData(layer)!, first, count) };
    try {
      // In the worker, as the small export: its SVG text is measured as the CLI's is (no DOM canvas).
      await streamInWorker(input, chosen, sheetOptions(), { holdBytes: hold, rows, sink: folder }, { signal, onProgress: (done, total) => (status.value = { kind: 'running', done, total }) });
    } catch (e) {
      await folder.abort();
      throw e;
    }
    return folder.finish();
  }

  async function run(): Promise<void> {
    if (status.value.kind === 'running') return;
    const gallery = useGallery();
    if (!gallery.summary) return;
    controller = new AbortController();
    const signal = controller.signal;
    status.value = { kind: 'running', done: 0, total: 1 };
    try {
      let files: CollectedFile[];
      const folderName = `${safeFileNames([gallery.summary.source.fileName.replace(/\.(neurovis\.json|[^.]*)$/, '')], '')[0]}-export`;
      if (scope.value === 'neuron') {
        files = await neuronFiles();
      } else {
        const ids = scopeLayers();
        if (ids.length === 0) throw new ExportProblem('export.errors.noLayer');
        // Plain copies: Pinia's reactive proxies cannot be sent to a worker.
        const chosenFormats = { ...formats.value };
        if (!Object.values(chosenFormats).some(Boolean)) throw new ExportProblem('export.errors.noFormat');
        const input = exportMeta(ids);
        const hold = exportHoldBytes();
        if (npyBytes(input) > hold) {
          const result = await streamed(input, chosenFormats, hold, folderName, signal);
          status.value = result.saved ? { kind: 'saved', paths: result.paths } : { kind: 'cancelled' };
          return;
        }
        files = await collectInWorker(await withRows(input), chosenFormats, sheetOptions(), { signal, onProgress: (done, total) => (status.value = { kind: 'running', done, total }) });
      }
      if (files.length === 0) throw new ExportProblem('export.errors.noFormat');
      if (signal.aborted) throw new ExportCancelled();
      const request: ExportRequest =
        files.length === 1 ? { kind: 'file', suggestedName: files[0].name, bytes: files[0].bytes, filters: [{ name: files[0].name.split('.').pop()!.toUpperCase(), extensions: [files[0].name.split('.').pop()!] }] } : { kind: 'folder', folderName, files };
      const result = await getHost().save(request);
      status.value = result.saved ? { kind: 'saved', paths: result.paths } : { kind: 'cancelled' };
    } catch (e) {
      if (e instanceof ExportCancelled) status.value = { kind: 'cancelled' };
      else if (e instanceof ExportProblem) status.value = { kind: 'error', message: e.key, params: e.params };
      else status.value = { kind: 'error', message: errorMessage(e) };
    } finally {
      controller = null;
    }
  }

  return { open, scope, chosen, formats, factor, showValues, status, show, close, cancel, run };
});
