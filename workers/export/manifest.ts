import type { GallerySettings } from '../engine/compute';
import { layerRadius } from '../engine/layer-radius';
import { cropOf, isBoxList } from '../engine/receptive-field';
import type { InputLayout, ModelSource, QuantizationInfo } from '../engine/graph';
import { drawnImageShape, type InputDrawing } from '../imaging/input-layout';
import type { LayerResult } from '../engine/layer-result';
import type { LayerInfo } from '../engine/prepare';

/** One layer's entry in manifest.json (DESIGN.md §4). */
export interface ManifestLayer {
  id: string;
  name: string;
  op: string;
  outputShape: number[];
  /** The layer's neurons under the objective; `indices` lists those held when a preview holds fewer. */
  neurons: number;
  indices?: number[];
  file: string;
  /** ‖x*‖ of this layer's rows: the gallery's radius, or by default ¼·(hi − lo)·√(values in the layer's receptive field). */
  radius: number;
  activations: number[];
  norms: number[];
  /** Indices of dead neurons (a = 0). */
  dead: number[];
  /** The objective at the zero input (the bias term), per neuron. */
  baselines: number[];
  /** Class names of the neurons (the output layer of a model that comes with them). */
  labels?: string[];
  /**
   * The receptive field [y, x, h, w] in input pixels: x* is zero outside it. One box for the
   * layer, or one per neuron (row) where they differ; null: the whole input.
   */
  crop: number[] | number[][] | null;
}

export interface Manifest {
  model: string;
  format: string;
  producer?: string;
  inputShape: number[];
  /** The input's layout (DESIGN.md §4): NCHW, NHWC, NCW, NWC or flat. */
  inputLayout: InputLayout;
  /** The image shape [H, W] x* is drawn at, or null when it is drawn as a chart. */
  imageShape: number[] | null;
  /** How the file was quantised (the gallery is of its dequantised float network), or null. */
  quantized: QuantizationInfo | null;
  mode: string;
  objective: string;
  /** ‖x*‖ of every layer, or null: by default each layer's own, relative to the value range and its receptive field (layers[].radius, engine/layer-radius.ts). */
  radius: number | null;
  /** The input's value range [lo, hi] the radius and the reference were chosen for. */
  valueRange?: [number, number];
  layers: ManifestLayer[];
}

/** A layer of a gallery, as the manifest, the .npy files and the images are made from it: its results, rows in neuron order. */
export interface GalleryLayer extends LayerResult {
  readonly info: LayerInfo;
  /** The layer's neuron count under the objective, when the rows hold fewer (a preview). */
  readonly total?: number;
}

/**
 * A file name made from a tensor name: safe on every OS, unique within the gallery (case
 * folded). The base holds no dot, because a layer's files add endings to it ('<base>.png',
 * '<base>.sheet2.svg', '<base>.neuron_3.png', the folder '<base>/'): with dotted bases layers
 * 'a' and 'a.png' would write the same file. The manifest's `file` records the mapping.
 */
export function safeFileNames(ids: readonly string[], extension: string): string[] {
  const used = new Set<string>();
  return ids.map((id, index) => {
    let base = id.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+/, '').slice(0, 80) || `layer${index}`;
    if (/^(con|prn|aux|nul|com\d|lpt\d)$/i.test(base)) base = `_${base}`;
    let name = `${base}${extension}`;
    for (let n = 2; used.has(name.toLowerCase()); n++) name = `${base}_${n}${extension}`;
    used.add(name.toLowerCase());
    return name;
  });
}

/** Rounds to float32 precision for JSON without printing float32 noise digits. */
function clean(values: Float32Array): number[] {
  return Array.from(values, (v) => Number(v.toPrecision(8)));
}

export function buildManifest(
  source: ModelSource,
  input: InputDrawing,
  settings: Pick<GallerySettings, 'mode' | 'objective' | 'radius'>,
  layers: readonly GalleryLayer[],
  fileNames: readonly string[],
  quantized?: QuantizationInfo,
): Manifest {
  return {
    model: source.fileName,
    format: source.format,
    ...(source.producer ? { producer: source.producer } : {}),
    inputShape: [...input.inputShape],
    inputLayout: input.inputLayout,
    imageShape: drawnImageShape(input),
    quantized: quantized ? { scheme: quantized.scheme, description: quantized.description } : null,
    mode: settings.mode,
    objective: settings.objective.kind,
    radius: typeof settings.radius === 'number' ? settings.radius : null,
    layers: layers.map((l, i) => ({
      id: l.info.id,
      name: l.info.name,
      op: l.info.op,
      outputShape: [...l.info.outputShape],
      neurons: l.total ?? l.norms.length,
      ...(l.neurons.length < (l.total ?? 0) ? { indices: [...l.neurons] } : {}),
      file: fileNames[i],
      radius: layerRadius(settings.radius, input, l.info.crops, settings.objective.kind),
      activations: clean(l.activations),
      norms: clean(l.norms),
      dead: Array.from(l.dead.entries()).filter(([, d]) => d === 1).map(([i]) => i),
      baselines: clean(l.baselines),
      ...(l.info.labels ? { labels: [...l.info.labels] } : {}),
      crop: manifestCrop(l, settings.objective.kind),
      ...(l.linearisedAt.length > 0 ? { linearisedAt: [...l.linearisedAt] } : {}),
    })),
  };
}

/** The layer's crop under the objective: one box, or one per row of its x* (a preview's neurons), or null. */
function manifestCrop(l: GalleryLayer, objective: GallerySettings['objective']['kind']): number[] | number[][] | null {
  const c = objective === 'channel' ? l.info.crops?.channel : objective === 'neuron' ? l.info.crops?.neuron : null;
  if (!c) return null;
  if (!isBoxList(c)) return [...c];
  return l.neurons.map((neuron) => [...(cropOf(l.info.crops, objective, neuron) ?? [])]);
}
