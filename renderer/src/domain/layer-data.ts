/**
 * The results of one layer as they arrive, in flat typed arrays (never made reactive). Of
 * each x* only what its thumbnail draws is kept (workers/imaging/thumb-source.ts); the full
 * rows go to the shared RowCache, and one evicted from it is computed again (services/rows.ts).
 */
import { xstarRow, type LayerResult } from '../../../workers/engine/layer-result';
import type { GallerySettings } from '../../../workers/engine/compute';
import type { LayerInfo } from '../../../workers/engine/prepare';
import type { GalleryLayer } from '../../../workers/export/manifest';
import { keepRow, keptSize, type ThumbGeometry } from '../../../workers/imaging/thumb-source';
import type { RowCache } from './row-cache';

let serial = 0;

/** Kept rows up to this many values stay floats: a small input's thumbnails are the CLI's to the pixel. */
const EXACT_VALUES = 4096;

/** Whether a layer keeps its rows a byte a value (quantised to ±127 of each row's largest): reduced or large ones. */
function keptInBytes(geometry: ThumbGeometry): boolean {
  return geometry.factor > 1 || keptSize(geometry) > EXACT_VALUES;
}

/** Bytes a layer holds per neuron: its kept row (a byte or a float a value) and its statistics. */
export function keptBytesPerNeuron(geometry: ThumbGeometry): number {
  return keptSize(geometry) * (keptInBytes(geometry) ? 1 : 4) + STATS_BYTES;
}
/** norms, activations, baselines, neuronMax, keptScale (4 bytes each), dead and state. */
const STATS_BYTES = 22;

export class LayerData {
  /** Unique per instance: thumbnails of older data are never reused. */
  readonly serial = ++serial;
  readonly neurons: number;
  /** The kept rows, float when kept exactly, else quantised to ±127 of `keptScale`. */
  private kept: Float32Array | Int8Array | null = null;
  private readonly keptScale: Float32Array;
  private readonly keptValues: number;
  readonly norms: Float32Array;
  readonly activations: Float32Array;
  readonly baselines: Float32Array;
  readonly dead: Uint8Array;
  /** 1 once a neuron's result arrived, 2 when its job failed. */
  readonly state: Uint8Array;
  /** max|x*| of each neuron: its per-neuron scale. */
  readonly neuronMax: Float32Array;
  readonly traces: (Float32Array | undefined)[];
  /** Nodes the surrogate linearised at the reference input behind this layer (the same for every neuron). */
  linearisedAt: readonly string[] = [];
  received = 0;
  failed = 0;
  /** Why the last failed job of this layer failed (the pool's message), until a new run retries it. */
  failure: string | null = null;
  /** max|x*| over the layer's results so far: the per-layer scale. */
  layerMax = 0;

  constructor(
    readonly layer: LayerInfo,
    /** The settings key these results belong to (domain/affects.ts). */
    readonly key: string,
    readonly inputSize: number,
    neurons: number,
    /** How each row is kept for its thumbnail. */
    readonly geometry: ThumbGeometry,
    private readonly rows: RowCache,
    /** What these results were computed with: how an evicted row is computed again. */
    readonly settings: GallerySettings,
  ) {
    this.neurons = neurons;
    this.keptValues = keptSize(geometry);
    this.keptScale = new Float32Array(neurons);
    this.norms = new Float32Array(neurons);
    this.activations = new Float32Array(neurons);
    this.baselines = new Float32Array(neurons);
    this.dead = new Uint8Array(neurons);
    this.state = new Uint8Array(neurons);
    this.neuronMax = new Float32Array(neurons);
    this.traces = new Array<Float32Array | undefined>(neurons);
  }

  get complete(): boolean {
    return this.received + this.failed >= this.neurons;
  }

  has(neuron: number): boolean {
    return this.state[neuron] === 1;
  }

  private rowKey(neuron: number): string {
    return `${this.layer.id}\u0000${this.key}\u0000${neuron}`;
  }

  /** The full x* of one neuron, or null while it is pending or after the cache let it go (services/rows.ts computes it again). */
  row(neuron: number): Float32Array | null {
    if (this.state[neuron] !== 1) return null;
    return this.rows.get(this.rowKey(neuron)) ?? null;
  }

  /** A row computed again, put back in the cache. */
  restore(neuron: number, row: Float32Array): void {
    if (this.state[neuron] === 1 && row.length === this.inputSize) this.rows.put(this.rowKey(neuron), row);
  }

  /** What the thumbnail of a neuron draws (drawing shape `geometry.shape`), or null while it is pending. */
  keptRow(neuron: number): Float32Array | null {
    if (!this.kept || this.state[neuron] !== 1) return null;
    const size = this.keptValues;
    if (this.kept instanceof Float32Array) return this.kept.subarray(neuron * size, (neuron + 1) * size);
    const out = new Float32Array(size);
    const s = this.keptScale[neuron];
    for (let i = 0; i < size; i++) out[i] = this.kept[neuron * size + i] * s;
    return out;
  }

  /** The rows of a result (one job's, or from the cache) into their places. */
  accept(r: LayerResult): void {
    if (r.xstar.length !== r.neurons.length * this.inputSize) return;
    r.neurons.forEach((n, row) => {
      if (n < 0 || n >= this.neurons) return;
      this.put(n, xstarRow(r, row), r.norms[row], r.activations[row], r.baselines[row], r.dead[row], r.traces?.[row]);
    });
    this.linearisedAt = r.linearisedAt;
  }

  private put(n: number, x: Float32Array, norm: number, activation: number, baseline: number, dead: number, trace: Float32Array | undefined): void {
    this.keep(n, keepRow(x, this.geometry));
    this.rows.put(this.rowKey(n), x.slice());
    this.norms[n] = norm;
    this.activations[n] = activation;
    this.baselines[n] = baseline;
    this.dead[n] = dead;
    this.traces[n] = trace;
    let m = 0;
    for (let i = 0; i < x.length; i++) {
      const a = Math.abs(x[i]);
      if (a > m) m = a;
    }
    this.neuronMax[n] = m;
    if (m > this.layerMax) this.layerMax = m;
    if (this.state[n] === 2) this.failed--;
    if (this.state[n] !== 1) this.received++;
    this.state[n] = 1;
  }

  private keep(n: number, kept: Float32Array): void {
    const size = this.keptValues;
    // Large rows are only drawn small: a byte a value is within one colour step; small ones stay exact (the CLI's pixels).
    this.kept ??= keptInBytes(this.geometry) ? new Int8Array(this.neurons * size) : new Float32Array(this.neurons * size);
    if (this.kept instanceof Float32Array) {
      this.kept.set(kept, n * size);
      return;
    }
    let m = 0;
    for (let i = 0; i < size; i++) m = Math.max(m, Math.abs(kept[i]));
    const s = m > 0 ? m / 127 : 1;
    this.keptScale[n] = s;
    for (let i = 0; i < size; i++) this.kept[n * size + i] = Math.round(kept[i] / s);
  }

  /** A new LayerData with the results of this one and its failures forgotten (a new run retries them). */
  withoutFailures(): LayerData {
    const fresh = new LayerData(this.layer, this.key, this.inputSize, this.neurons, this.geometry, this.rows, this.settings);
    fresh.kept = this.kept?.slice() ?? null;
    fresh.keptScale.set(this.keptScale);
    for (let n = 0; n < this.neurons; n++) {
      if (this.state[n] !== 1) continue;
      fresh.norms[n] = this.norms[n];
      fresh.activations[n] = this.activations[n];
      fresh.baselines[n] = this.baselines[n];
      fresh.dead[n] = this.dead[n];
      fresh.traces[n] = this.traces[n];
      fresh.neuronMax[n] = this.neuronMax[n];
      fresh.state[n] = 1;
      fresh.received++;
    }
    fresh.layerMax = this.layerMax;
    fresh.linearisedAt = this.linearisedAt;
    return fresh;
  }

  /** The complete layer as the export writes it, its rows given in neuron order (`xstar`), or null while results are missing. */
  asGalleryLayer(info: LayerInfo, inputShape: readonly number[], xstar: Float32Array): GalleryLayer | null {
    if (xstar.length !== this.neurons * this.inputSize) return null;
    return this.galleryMeta(info, inputShape, xstar);
  }

  /** The complete layer without its rows (an export streamed a block at a time fetches them), or null while results are missing. */
  galleryMeta(info: LayerInfo, inputShape: readonly number[], xstar: Float32Array = new Float32Array(0)): GalleryLayer | null {
    if (this.received < this.neurons) return null;
    const neurons = Array.from({ length: this.neurons }, (_, i) => i);
    return { info, layer: this.layer.id, neurons, inputShape, xstar, norms: this.norms, activations: this.activations, baselines: this.baselines, dead: this.dead, linearisedAt: this.linearisedAt };
  }

  fail(neuron: number, reason?: string): void {
    if (reason !== undefined) this.failure = reason;
    if (neuron < 0 || neuron >= this.neurons || this.state[neuron] !== 0) return;
    this.state[neuron] = 2;
    this.failed++;
  }

  /** Neurons among these that have no result yet. */
  pending(neurons: Iterable<number>): number[] {
    const out: number[] = [];
    for (const n of neurons) if (n >= 0 && n < this.neurons && this.state[n] !== 1) out.push(n);
    return out;
  }
}
