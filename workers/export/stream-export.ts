/**
 * An export written as it is made (issue 18): rows come in blocks from a RowSource (the app's
 * cache, or computed again), go into the layer's .npy at once, and are drawn into thumbnails
 * that are held only until their sheet is drawn. What is held at once is a block of rows
 * (chosen from `holdBytes`), its crop, and one sheet's thumbnails, whatever the model; the
 * files are the same bytes collectExport (collect.ts) makes in memory. Pure (no DOM).
 */
import { concatBytes } from '../formats/bytes';
import { npyHeader } from '../formats/numpy/npy';
import { unionCrop } from '../engine/receptive-field';
import { drawingShape } from '../imaging/input-layout';
import { encodePng } from '../imaging/png';
import { maxAbs, type RGBAImage } from '../imaging/thumbnail';
import { ExportCancelled, type CollectedFile, type CollectHooks, type ExportFormats, type ExportInput } from './collect';
import { drawnGallery, layerImageFiles, neuronFileName, resolveOptions, rowLabels } from './layer-images';
import { buildManifest, safeFileNames } from './manifest';
import { writeFile, writeSheet, type FileSink, type ThumbnailSource } from './sheet-files';
import { drawnUnits, layoutSheets, neuronThumbnail, type LayerGallery, type SheetLayout, type SheetOptions } from './sprite';

/** The full x* rows of a layer, a block at a time (from a cache, or computed again). */
export interface RowSource {
  rows(layer: string, first: number, count: number): Promise<Float32Array>;
}

export type { FileSink, FileWriter } from './sheet-files';

export interface StreamHooks {
  readonly signal?: AbortSignal;
  /** Neurons written so far, of all. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Waits between blocks and files (default: a macrotask). */
  readonly pause?: () => Promise<void>;
  /** Called with the bytes of rows and thumbnails held, each time they change (tests watch the peak). */
  readonly onHeld?: (bytes: number) => void;
}

const nextTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
const encoder = new TextEncoder();

/** Rows in a block: three copies of each (the row, its bytes in the file, its crop) within `holdBytes`, at least one. */
export function blockRows(rowValues: number, holdBytes: number): number {
  return Math.max(1, Math.floor(holdBytes / (3 * 4 * Math.max(1, rowValues))));
}

/** The bytes of a streamed export's .npy files (its largest part): what a host that cannot stream would have to hold. */
export function npyBytes(input: Pick<ExportInput, 'inputShape' | 'layers'>): number {
  const size = input.inputShape.reduce((a, b) => a * b, 1);
  return input.layers.reduce((n, l) => n + l.neurons.length * size * 4, 0);
}

/** Little-endian float32 bytes of the rows (as encodeNpy writes them). */
function littleEndian(rows: Float32Array): Uint8Array {
  const out = new Uint8Array(rows.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < rows.length; i++) view.setFloat32(i * 4, rows[i], true);
  return out;
}

/**
 * Every file of the export, made in memory (an export small enough to hold), or throws
 * ExportCancelled: streamExport of the layers' own rows, all of a layer at once, into a
 * folder in memory. Nothing is handed to the host until every file is made, so a cancelled
 * export writes nothing.
 */
export async function collectExport(input: ExportInput, formats: ExportFormats, options: SheetOptions, hooks: CollectHooks = {}): Promise<CollectedFile[]> {
  const size = input.inputShape.reduce((a, b) => a * b, 1);
  const rows = new Map(input.layers.map((l) => [l.layer, l.xstar]));
  const source: RowSource = { rows: async (layer, first, count) => rows.get(layer)!.subarray(first * size, (first + count) * size) };
  const files: CollectedFile[] = [];
  const sink: FileSink = {
    create: async (name) => {
      const parts: Uint8Array[] = [];
      return {
        write: async (bytes) => void parts.push(bytes),
        close: async () => void files.push({ name, bytes: concatBytes(parts) }),
      };
    },
  };
  await streamExport(input, formats, options, source, sink, Number.MAX_SAFE_INTEGER, hooks);
  return files;
}

/** Writes every file of the export into `sink`, a block of rows at a time; throws ExportCancelled when asked to stop. */
export async function streamExport(input: ExportInput, formats: ExportFormats, requested: SheetOptions, source: RowSource, sink: FileSink, holdBytes: number, hooks: StreamHooks = {}): Promise<void> {
  const pause = hooks.pause ?? nextTask;
  const total = input.layers.reduce((n, l) => n + l.neurons.length, 0);
  let done = 0;
  let held = 0;
  const hold = (bytes: number): void => {
    held += bytes;
    hooks.onHeld?.(held);
  };
  const check = async (): Promise<void> => {
    hooks.onProgress?.(done, total);
    await pause();
    if (hooks.signal?.aborted) throw new ExportCancelled();
  };
  await check();
  const npyNames = safeFileNames(input.layers.map((l) => l.info.id), '.npy');
  const drawing = drawingShape(input);
  const size = input.inputShape.reduce((a, b) => a * b, 1);
  const images = formats.png || formats.svg;
  for (let li = 0; li < input.layers.length; li++) {
    const l = input.layers[li];
    const count = l.neurons.length;
    const base = npyNames[li].replace(/\.npy$/, '');
    const crop = unionCrop(l.info.crops, input.settings.objective.kind);
    const labels = rowLabels(l);
    const extras = { activations: l.activations, crop, labels, units: input.units };
    const step = blockRows(size, holdBytes);
    // The layer's scale needs every row's max before the first thumbnail: a pass of its own.
    let layerMax = 0;
    if (images && requested.scale === 'layer') {
      for (let first = 0; first < count; first += step) {
        const rows = await source.rows(l.layer, first, Math.min(step, count - first));
        hold(rows.byteLength);
        layerMax = Math.max(layerMax, maxAbs(drawnGallery(l.info.name, rows, drawing, { crop }).xstar));
        hold(-rows.byteLength);
        await check();
      }
    }
    const shape = drawnGallery(l.info.name, new Float32Array(0), drawing, extras);
    const meta: LayerGallery = { ...shape, count, layerMax };
    const options = resolveOptions(meta, requested);
    const npy = formats.npy ? await sink.create(npyNames[li]) : null;
    await npy?.write(npyHeader([count, ...input.inputShape]));
    const thumbs: RGBAImage[] = [];
    const held: ThumbnailSource = { image: (n) => thumbs[n], png: (n) => encodePng(thumbs[n]) };
    let sheets: SheetLayout[] | null = null;
    let sheet = 0;
    const legend = drawnUnits(meta, options) ? 'gray' : options.colormap;
    for (let first = 0; first < count; first += step) {
      const n = Math.min(step, count - first);
      const rows = await source.rows(l.layer, first, n);
      hold(rows.byteLength);
      if (npy) {
        const bytes = littleEndian(rows);
        hold(bytes.byteLength);
        await npy.write(bytes);
        hold(-bytes.byteLength);
      }
      if (images) {
        const block = drawnGallery(l.info.name, rows, drawing, { ...extras, activations: l.activations?.subarray(first, first + n), labels: labels?.slice(first, first + n) });
        hold(block.xstar === rows ? 0 : block.xstar.byteLength);
        for (let i = 0; i < n; i++) {
          const t = neuronThumbnail(block, i, options, layerMax);
          thumbs[first + i] = t;
          hold(t.data.byteLength);
          if (formats.png) await writeFile(sink, `${base}.${neuronFileName(first + i, count)}`, encodePng(t));
        }
        hold(block.xstar === rows ? 0 : -block.xstar.byteLength);
        sheets ??= layoutSheets(meta, thumbs[0].width, thumbs[0].height, options);
        // Sheets whose last neuron is drawn are written, and their thumbnails let go.
        while (sheet < sheets.length && lastNeuron(sheets[sheet]) < first + n) {
          await writeSheet(sink, base, sheets, sheet, held, legend, formats);
          for (const cell of sheets[sheet].cells) {
            hold(-thumbs[cell.neuron].data.byteLength);
            delete thumbs[cell.neuron];
          }
          sheet++;
        }
      }
      hold(-rows.byteLength);
      done += n;
      await check();
    }
    await npy?.close();
    // No neurons: the sheet with its header only, as collectExport draws it.
    if (images && count === 0) for (const f of layerImageFiles(shape, base, formats, requested)) await writeFile(sink, f.name, typeof f.bytes === 'string' ? encoder.encode(f.bytes) : f.bytes);
  }
  if (formats.json) {
    const manifest = buildManifest(input.source, input, input.settings, input.layers, npyNames, input.quantized);
    await writeFile(sink, 'manifest.json', encoder.encode(JSON.stringify(manifest, null, 1) + '\n'));
  }
  await check();
}

function lastNeuron(sheet: SheetLayout): number {
  return sheet.cells.length > 0 ? sheet.cells[sheet.cells.length - 1].neuron : -1;
}
