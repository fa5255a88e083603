import { errorMessage } from '../../engine/graph';
/**
 * The .neurovis.json network format (version 1): what the in-app builder saves and opens.
 * A network is an input shape and a chain of layers; weights are inline for small networks,
 * in a sidecar .npz otherwise, or absent and initialised from each layer's seeded `init`.
 */
export const NEUROVIS_FORMAT = 'neurovis';
export const NEUROVIS_VERSION = 1;

export type InitKind = 'normal' | 'orthogonal' | 'identity' | 'gabor' | 'dog';

export interface InitSpec {
  readonly kind: InitKind;
  readonly seed?: number;
  /** Standard deviation for 'normal' (default 1/√fan-in), gain otherwise (default 1). */
  readonly scale?: number;
}

export type ActivationFn = 'relu' | 'leakyrelu' | 'sigmoid' | 'tanh' | 'gelu';

/** One number for every spatial axis, or one per axis. */
export type Size = number | readonly number[];

interface Named {
  readonly name?: string;
}

export type LayerSpec =
  | (Named & { readonly kind: 'dense'; readonly units: number; readonly bias?: boolean; readonly init?: InitSpec })
  | (Named & {
      readonly kind: 'conv1d' | 'conv2d';
      readonly filters: number;
      readonly kernel: Size;
      readonly stride?: Size;
      readonly padding?: Size;
      readonly dilation?: Size;
      readonly groups?: number;
      readonly bias?: boolean;
      readonly init?: InitSpec;
    })
  | (Named & { readonly kind: 'avgpool' | 'maxpool'; readonly size: Size; readonly stride?: Size; readonly padding?: Size })
  | (Named & { readonly kind: 'flatten' })
  | (Named & { readonly kind: 'batchnorm'; readonly epsilon?: number; readonly init?: InitSpec })
  | (Named & { readonly kind: 'activation'; readonly fn: ActivationFn });

export type LayerKind = LayerSpec['kind'];

/** A weight array: values inline, or the key of an array in the sidecar .npz. */
export type StoredArray = { readonly shape: readonly number[]; readonly data: readonly number[] } | { readonly shape: readonly number[]; readonly npz: string };

export interface NetworkSpec {
  readonly format: typeof NEUROVIS_FORMAT;
  readonly version: number;
  readonly name: string;
  /** Channels-first feature shape without a batch dimension: [784], [1, 28, 28], [3, 64]. */
  readonly input: { readonly shape: readonly number[] };
  readonly layers: readonly LayerSpec[];
  /** Per layer name, per parameter name (W, B, scale, bias, mean, var). */
  readonly weights?: Readonly<Record<string, Readonly<Record<string, StoredArray>>>>;
  /** File name of the sidecar .npz holding the arrays stored with `npz` keys. */
  readonly sidecar?: string;
}

/** The name a layer has in the graph and the gallery. */
export function layerName(layer: LayerSpec, index: number): string {
  return layer.name && layer.name.trim() !== '' ? layer.name : `${layer.kind}${index + 1}`;
}

export function spatialSizes(size: Size | undefined, rank: number, fallback: number): number[] {
  if (size === undefined) return new Array<number>(rank).fill(fallback);
  if (typeof size === 'number') return new Array<number>(rank).fill(size);
  if (size.length !== rank) throw new Error(`needs ${rank} value${rank > 1 ? 's' : ''}, got ${size.length}`);
  return [...size];
}

export interface ShapeInference {
  /** Output feature shape of each layer, up to the first error. */
  readonly shapes: number[][];
  readonly error?: { readonly layer: number; readonly message: string };
}

const MAX_VALUES = 1 << 26;

/** Live shape inference for the builder: each layer's output shape, or the first layer that cannot work. */
export function inferSpecShapes(spec: Pick<NetworkSpec, 'input' | 'layers'>): ShapeInference {
  const shapes: number[][] = [];
  let shape = [...spec.input.shape];
  if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d <= 0) || shape.reduce((a, b) => a * b, 1) > MAX_VALUES) {
    return { shapes, error: { layer: -1, message: `input shape [${shape.join(', ')}] must be positive whole numbers` } };
  }
  for (let i = 0; i < spec.layers.length; i++) {
    try {
      shape = layerOutputShape(spec.layers[i], shape);
      if (shape.reduce((a, b) => a * b, 1) > MAX_VALUES) throw new Error(`output [${shape.join(', ')}] is too large`);
      shapes.push(shape);
    } catch (e) {
      return { shapes, error: { layer: i, message: errorMessage(e) } };
    }
  }
  return { shapes };
}

function positive(value: number, what: string): number {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${what} must be a positive whole number, got ${value}`);
  return value;
}

function layerOutputShape(layer: LayerSpec, input: readonly number[]): number[] {
  switch (layer.kind) {
    case 'dense':
      if (input.length !== 1) throw new Error(`dense needs a vector input, got [${input.join(', ')}]: add a flatten layer before it`);
      return [positive(layer.units, 'units')];
    case 'conv1d':
    case 'conv2d': {
      const rank = layer.kind === 'conv1d' ? 1 : 2;
      if (input.length !== rank + 1) throw new Error(`${layer.kind} needs a [channels, ${rank === 1 ? 'length' : 'height, width'}] input, got [${input.join(', ')}]`);
      const groups = positive(layer.groups ?? 1, 'groups');
      const filters = positive(layer.filters, 'filters');
      if (input[0] % groups !== 0) throw new Error(`${input[0]} input channels do not split into ${groups} groups`);
      if (filters % groups !== 0) throw new Error(`${filters} filters do not split into ${groups} groups`);
      return [filters, ...windowed(input.slice(1), layer.kernel, layer.stride, layer.padding, layer.dilation)];
    }
    case 'avgpool':
    case 'maxpool': {
      if (input.length < 2 || input.length > 3) throw new Error(`pooling needs a [channels, …spatial] input, got [${input.join(', ')}]`);
      const rank = input.length - 1;
      const size = spatialSizes(layer.size, rank, 2);
      return [input[0], ...windowed(input.slice(1), layer.size, layer.stride ?? size, layer.padding, 1)];
    }
    case 'flatten':
      return [input.reduce((a, b) => a * b, 1)];
    case 'batchnorm':
    case 'activation':
      return [...input];
  }
}

function windowed(spatial: readonly number[], kernel: Size, stride: Size | undefined, padding: Size | undefined, dilation: Size | undefined): number[] {
  const rank = spatial.length;
  const k = spatialSizes(kernel, rank, 1).map((v) => positive(v, 'kernel size'));
  const s = spatialSizes(stride, rank, 1).map((v) => positive(v, 'stride'));
  const p = spatialSizes(padding, rank, 0);
  const d = spatialSizes(dilation, rank, 1).map((v) => positive(v, 'dilation'));
  return spatial.map((n, i) => {
    if (!Number.isInteger(p[i]) || p[i] < 0) throw new Error(`padding must be a whole number ≥ 0, got ${p[i]}`);
    const span = d[i] * (k[i] - 1) + 1;
    const out = Math.floor((n + 2 * p[i] - span) / s[i]) + 1;
    if (out <= 0) throw new Error(`a window of ${span} does not fit an input of ${n} with padding ${p[i]}`);
    return out;
  });
}
