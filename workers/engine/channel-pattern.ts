import { inputGrid, type Grid } from './ascent-regularisers';
import { runForward } from './forward';
import { runForwardBatch } from './forward-batch';
import type { LayerInfo, PreparedModel } from './prepare';
import type { LayerResult } from './layer-result';
import { reverseLayer, type ReverseOptions } from './reverse';
import { layerById, writeSeed } from './seeds';
import { sizeOf } from './tensor';

/**
 * The channel objective of the surrogate mode (issue 17): the channel's pattern.
 *
 * Why not the channel's mean: the surrogate network is linear, and translation-equivariant
 * away from the borders, so the gradient of a channel's sum over positions is the same at
 * every position: its x* is a flat square of one colour per input channel. That is the exact
 * optimum of the mean, and it says nothing of what the channel detects.
 *
 * What it is instead: the channel as its centre neuron repeated at every position of the
 * layer. With k = a of the centre neuron (Jᵀe at the centre, the neuron objective's reversal)
 * and k_p = k moved by (p − centre) × the layer's stride in input pixels (dropping what leaves
 * the image), x* is the input of norm r that maximises the channel's energy Σ_p (k_p·x)²: the
 * top right-singular vector of the matrix of rows k_p, found by power iteration from k, with
 * the sign that makes the strongest response positive. On a translation-equivariant linear
 * map that is the grating (or blob) the channel answers most strongly, tiled over the image,
 * in the channel's preferred colours. The stride is measured, not read from attributes: the
 * shift that best aligns the reversal of the centre neuron's neighbour with the centre's.
 * The reported activation is the true model's channel mean at x*, the baseline its value at
 * the zero input. Layers with one position, and inputs that are not images or signals, keep
 * the mean.
 */
const MAX_ITERATIONS = 300;
/** Relative change of the energy below which the power iteration has converged. */
const TOLERANCE = 1e-10;
/** Floats of one batched forward pass of the reported activations. */
const MAX_FORWARD_VALUES = 1 << 22;

export function channelPatterns(model: PreparedModel, layerId: string, neurons: readonly number[], options: ReverseOptions): LayerResult {
  const layer = layerById(model, layerId);
  const axis = layer.channelAxis;
  const spatial = axis === null ? [] : layer.featureShape.filter((_, i) => i !== axis);
  const grid = gridOf(model);
  if (!grid || sizeOf(spatial) <= 1 || spatial.length !== grid.spatial.length) return reverseLayer(model, layerId, neurons, options);
  const centre = spatial.map((d) => Math.floor((d - 1) / 2));
  const atCentre = reverseLayer(model, layerId, neurons, { ...options, objective: { kind: 'position', position: centre } });
  const inputSize = sizeOf(model.inputFeatureShape);
  // a of the centre neuron itself (x* = r·a/‖a‖), so that the energy is the channel's.
  const kernels = neurons.map((_, row) =>
    atCentre.dead[row] ? undefined : toPlanes(grid, atCentre.xstar.subarray(row * inputSize, (row + 1) * inputSize)).map((v) => (v * atCentre.norms[row]) / options.radius),
  );
  const strides = measuredStrides(model, layer, options, grid, spatial, centre);
  const xstar = new Float32Array(neurons.length * inputSize);
  const norms = new Float32Array(neurons.length);
  kernels.forEach((k, row) => {
    if (!k) return;
    const { x, energy } = pattern(new Family(grid, k, spatial, centre, strides));
    norms[row] = Math.sqrt(energy);
    const scaled = Float64Array.from(x, (v) => v * options.radius);
    xstar.set(fromPlanes(grid, scaled), row * inputSize);
  });
  const { activations, baselines } = channelMeans(model, layer.id, neurons, xstar, atCentre.dead);
  return { ...atCentre, xstar, norms, activations, baselines };
}

function gridOf(model: PreparedModel): Grid | undefined {
  try {
    return inputGrid(model);
  } catch {
    return undefined;
  }
}

/** Model layout → planes C × H × W (float64). */
function toPlanes(g: Grid, x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(g.channels * g.height * g.width);
  for (let c = 0; c < g.channels; c++) {
    for (let y = 0; y < g.height; y++) {
      for (let i = 0; i < g.width; i++) out[(c * g.height + y) * g.width + i] = x[c * g.channelStride + y * g.rowStride + i * g.colStride];
    }
  }
  return out;
}

function fromPlanes(g: Grid, planes: Float64Array): Float32Array {
  const out = new Float32Array(planes.length);
  for (let c = 0; c < g.channels; c++) {
    for (let y = 0; y < g.height; y++) {
      for (let i = 0; i < g.width; i++) out[c * g.channelStride + y * g.rowStride + i * g.colStride] = planes[(c * g.height + y) * g.width + i];
    }
  }
  return out;
}

/** The centre neuron's reversal moved to every position of the layer: K x (responses) and Kᵀ y. */
class Family {
  /** The kernel's non-zero box [y0, x0, h, w] and its values there (C × h × w). */
  private readonly box: [number, number, number, number];
  private readonly values: Float64Array;
  /** Per position: its move (dy, dx) in input pixels. */
  readonly moves: Int32Array;

  constructor(private readonly g: Grid, k: Float64Array, spatial: readonly number[], centre: readonly number[], strides: readonly number[]) {
    let [y0, y1, x0, x1] = [g.height, -1, g.width, -1];
    for (let c = 0; c < g.channels; c++) {
      for (let y = 0; y < g.height; y++) {
        for (let i = 0; i < g.width; i++) {
          if (k[(c * g.height + y) * g.width + i] === 0) continue;
          [y0, y1, x0, x1] = [Math.min(y0, y), Math.max(y1, y), Math.min(x0, i), Math.max(x1, i)];
        }
      }
    }
    this.box = [y0, x0, y1 - y0 + 1, x1 - x0 + 1];
    const [, , h, w] = this.box;
    this.values = new Float64Array(g.channels * h * w);
    for (let c = 0; c < g.channels; c++) {
      for (let y = 0; y < h; y++) {
        for (let i = 0; i < w; i++) this.values[(c * h + y) * w + i] = k[(c * g.height + y0 + y) * g.width + x0 + i];
      }
    }
    const count = sizeOf(spatial);
    this.moves = new Int32Array(2 * count);
    for (let p = 0; p < count; p++) {
      // Spatial axes of the layer → (dy, dx) of the input; a signal has only x.
      const pos = spatial.length === 2 ? [Math.floor(p / spatial[1]), p % spatial[1]] : [p];
      const d = pos.map((v, a) => (v - centre[a]) * strides[a]);
      this.moves[2 * p] = spatial.length === 2 ? d[0] : 0;
      this.moves[2 * p + 1] = d[d.length - 1];
    }
  }

  /** y_p = k_p · x for every position (x in planes). */
  responses(x: Float64Array): Float64Array {
    const y = new Float64Array(this.moves.length / 2);
    this.walk((p, kv, xi) => {
      y[p] += kv * x[xi];
    });
    return y;
  }

  /** Σ_p y_p k_p. */
  adjoint(y: Float64Array): Float64Array {
    const x = new Float64Array(this.g.channels * this.g.height * this.g.width);
    this.walk((p, kv, xi) => {
      x[xi] += y[p] * kv;
    });
    return x;
  }

  private walk(visit: (p: number, kv: number, xi: number) => void): void {
    const { g, values } = this;
    const [y0, x0, h, w] = this.box;
    for (let p = 0; p < this.moves.length / 2; p++) {
      const [dy, dx] = [this.moves[2 * p], this.moves[2 * p + 1]];
      const [ya, yb] = [Math.max(0, -(y0 + dy)), Math.min(h, g.height - (y0 + dy))];
      const [xa, xb] = [Math.max(0, -(x0 + dx)), Math.min(w, g.width - (x0 + dx))];
      for (let c = 0; c < g.channels; c++) {
        for (let y = ya; y < yb; y++) {
          const k = (c * h + y) * w;
          const xi = (c * g.height + y0 + dy + y) * g.width + x0 + dx;
          for (let i = xa; i < xb; i++) visit(p, values[k + i], xi + i);
        }
      }
    }
  }
}

/** The unit x maximising Σ_p (k_p·x)² by power iteration from the centre's kernel, strongest response positive. */
function pattern(family: Family): { x: Float64Array; energy: number } {
  let x = family.adjoint(unitAt(family.moves));
  normalise(x);
  let energy = 0;
  for (let it = 0; it < MAX_ITERATIONS; it++) {
    const y = family.responses(x);
    const next = dot(y, y);
    const converged = Math.abs(next - energy) <= TOLERANCE * next;
    energy = next;
    if (converged) break;
    x = family.adjoint(y);
    if (normalise(x) === 0) break;
  }
  const y = family.responses(x);
  let [lo, hi] = [0, 0];
  for (const v of y) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  if (hi < -lo) for (let i = 0; i < x.length; i++) x[i] = -x[i];
  return { x, energy };
}

/** The response vector that picks the position that does not move (the centre): Kᵀ of it is k. */
function unitAt(moves: Int32Array): Float64Array {
  const y = new Float64Array(moves.length / 2);
  for (let p = 0; p < y.length; p++) if (moves[2 * p] === 0 && moves[2 * p + 1] === 0) y[p] = 1;
  return y;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function normalise(x: Float64Array): number {
  const n = Math.sqrt(dot(x, x));
  if (n > 0) for (let i = 0; i < x.length; i++) x[i] /= n;
  return n;
}

/**
 * The layer's stride in input pixels along each spatial axis: the move that best aligns the
 * reversal of the centre's neighbour along that axis with the centre's, on the layer's first
 * channel that has one (whatever neurons a job holds, so that every job finds the same).
 */
function measuredStrides(model: PreparedModel, layer: LayerInfo, options: ReverseOptions, g: Grid, spatial: readonly number[], centre: readonly number[]): number[] {
  const inputSize = sizeOf(model.inputFeatureShape);
  const at = (channel: number, position: readonly number[]): Float64Array | undefined => {
    const r = reverseLayer(model, layer.id, [channel], { ...options, objective: { kind: 'position', position } });
    return r.dead[0] ? undefined : toPlanes(g, r.xstar.subarray(0, inputSize));
  };
  let channel = 0;
  let k = at(0, centre);
  while (!k && ++channel < layer.neurons) k = at(channel, centre);
  return spatial.map((size, a) => {
    if (size === 1 || !k) return 0;
    const step = centre[a] + 1 < size ? 1 : -1;
    const nb = at(channel, centre.map((v, b) => (b === a ? v + step : v)));
    if (!nb) return 0;
    const alongY = spatial.length === 2 && a === 0;
    const extent = alongY ? g.height : g.width;
    let [best, bestScore] = [0, -Infinity];
    for (let s = -extent + 1; s < extent; s++) {
      const score = shiftedDot(g, k, nb, alongY ? s : 0, alongY ? 0 : s);
      if (score > bestScore) [best, bestScore] = [s, score];
    }
    return best * step;
  });
}

/** Σ k(c, y, x) · nb(c, y + dy, x + dx) over the image. */
function shiftedDot(g: Grid, k: Float64Array, nb: Float64Array, dy: number, dx: number): number {
  let s = 0;
  for (let c = 0; c < g.channels; c++) {
    for (let y = Math.max(0, -dy); y < Math.min(g.height, g.height - dy); y++) {
      const a = (c * g.height + y) * g.width;
      const b = (c * g.height + y + dy) * g.width + dx;
      for (let i = Math.max(0, -dx); i < Math.min(g.width, g.width - dx); i++) s += k[a + i] * nb[b + i];
    }
  }
  return s;
}

/** The true model's channel mean at each x* (batched) and at the zero input. */
function channelMeans(model: PreparedModel, layerId: string, neurons: readonly number[], xstar: Float32Array, dead: Uint8Array): { activations: Float32Array; baselines: Float32Array } {
  const layer = layerById(model, layerId);
  const outSize = sizeOf(layer.featureShape);
  const inputSize = sizeOf(model.inputFeatureShape);
  const seeds = new Float32Array(neurons.length * outSize);
  neurons.forEach((n, row) => writeSeed(layer, n, { kind: 'channel' }, seeds, row * outSize));
  const zero = runForward(model, new Float32Array(inputSize), [layerId]).get(layerId)!.data;
  const mean = (y: ArrayLike<number>, yOff: number, row: number): number => {
    let s = 0;
    for (let i = 0; i < outSize; i++) s += seeds[row * outSize + i] * y[yOff + i];
    return s;
  };
  const baselines = Float32Array.from(neurons, (_, row) => mean(zero, 0, row));
  const activations = Float32Array.from(baselines);
  let largest = inputSize;
  for (const v of model.nodes) for (const shape of v.outputShapes) largest = Math.max(largest, sizeOf(shape));
  const chunk = Math.max(1, Math.floor(MAX_FORWARD_VALUES / largest));
  for (let from = 0; from < neurons.length; from += chunk) {
    const count = Math.min(chunk, neurons.length - from);
    const y = runForwardBatch(model, xstar.subarray(from * inputSize, (from + count) * inputSize), count, layerId);
    for (let b = 0; b < count; b++) if (!dead[from + b]) activations[from + b] = mean(y, b * outSize, from + b);
  }
  return { activations, baselines };
}
