/** The results of one layer as they arrive, in flat typed arrays (never made reactive). */
import { xstarRow, type LayerResult } from '../../../workers/engine/layer-result';
import type { LayerInfo } from '../../../workers/engine/prepare';
import type { GalleryLayer } from '../../../workers/export/manifest';

let serial = 0;

export class LayerData {
  /** Unique per instance: thumbnails of older data are never reused. */
  readonly serial = ++serial;
  readonly neurons: number;
  xstar: Float32Array | null = null;
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
  ) {
    this.neurons = neurons;
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

  /** The x* of one neuron (a view), or null while it is pending. */
  row(neuron: number): Float32Array | null {
    if (!this.xstar || this.state[neuron] !== 1) return null;
    return this.xstar.subarray(neuron * this.inputSize, (neuron + 1) * this.inputSize);
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
    this.xstar ??= new Float32Array(this.neurons * this.inputSize);
    this.xstar.set(x, n * this.inputSize);
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

  /** A new LayerData with the results of this one and its failures forgotten (a new run retries them). */
  withoutFailures(): LayerData {
    const fresh = new LayerData(this.layer, this.key, this.inputSize, this.neurons);
    for (let n = 0; n < this.neurons; n++) {
      const row = this.row(n);
      if (row) fresh.put(n, row, this.norms[n], this.activations[n], this.baselines[n], this.dead[n], this.traces[n]);
    }
    fresh.linearisedAt = this.linearisedAt;
    return fresh;
  }

  /** The complete layer as the export writes it, or null while results are missing. */
  asGalleryLayer(info: LayerInfo, inputShape: readonly number[]): GalleryLayer | null {
    if (!this.xstar || this.received < this.neurons) return null;
    const neurons = Array.from({ length: this.neurons }, (_, i) => i);
    return { info, layer: this.layer.id, neurons, inputShape, xstar: this.xstar, norms: this.norms, activations: this.activations, baselines: this.baselines, dead: this.dead, linearisedAt: this.linearisedAt };
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
