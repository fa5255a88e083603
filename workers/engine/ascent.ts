import { runForward } from './forward';
import { ModelError } from './graph';
import type { PreparedModel } from './prepare';
import type { LayerResult } from './layer-result';
import { reverseLayer, reverseSeeds, type ReverseOptions } from './reverse';
import { layerById, writeSeed } from './seeds';
import { mulberry32 } from './random';
import { sizeOf, type Tensor } from './tensor';
import { ascendReadable } from './ascent-readable';
import { blurPenalty, inputGrid, rollInput, totalVariation, type Grid } from './ascent-regularisers';

/**
 * Projected gradient ascent on the sphere ‖x‖ = r (DESIGN.md §1).
 *
 * Starts from the surrogate's closed form. Each step takes the real gradient g at x (the
 * local reversal at x), projects it on the sphere's tangent plane, t = g − (g·x / r²)·x,
 * moves by η along t/‖t‖ and renormalises to r. A step that would lower the objective is
 * retried with η halved (η stays halved); after 20 halvings the ascent stops where it is.
 * It also stops when ‖t‖ ≤ 10⁻⁶‖g‖ (x is stationary on the sphere: a linear network stops
 * at step 0 with the closed form), when a step improves the objective by less than the
 * tolerance relative to its value, or at the step limit. So the activation never decreases.
 *
 * Regularisers (off by default, for image and signal inputs only), as Lucid and
 * tf-keras-vis offer them: total variation subtracts λ·Σ(neighbour differences)² from the
 * objective; blur subtracts λ·½‖x − Kx‖², K a [1 2 1]/4 blur along each spatial axis
 * (Lucid's blur_input_each_step as a penalty); jitter takes each gradient at a copy of x
 * rolled by a random whole number of pixels (up to `jitter`) and rolls it back. With them,
 * the objective that never decreases is the regularised one; traces still record the real
 * activation.
 */

/** Steps of projected gradient ascent when the settings give none. */
export const DEFAULT_ASCENT_STEPS = 200;
export interface AscentOptions {
  /** Step limit (default 200). */
  readonly steps?: number;
  /** Stop when the relative improvement of a step falls below this (default 1e-6). */
  readonly tolerance?: number;
  /** Step length on the tangent plane, as a fraction of r (default 0.1). */
  readonly stepSize?: number;
  /** Largest random shift, in pixels, of the input each gradient is taken at (default 0: off). */
  readonly jitter?: number;
  /** Weight of the total-variation penalty (default 0: off). */
  readonly totalVariation?: number;
  /** Weight of the blur penalty ½‖x − blur(x)‖² (default 0: off). */
  readonly blur?: number;
  /** Seed of the jitter's shifts (default 0). */
  readonly seed?: number;
  /**
   * 'sphere' (default): projected ascent on ‖x‖ = r as above. 'readable': Lucid-style ascent
   * in a decorrelated Fourier parameterisation inside the value range (ascent-readable.ts);
   * it reads steps (default 256) and seed, and not the sphere's other options.
   */
  readonly style?: AscentStyle;
  /** Readable style: the input's value range (default: the model's, else [0, 1]). */
  readonly range?: readonly [number, number];
}

export const ASCENT_STYLES = ['sphere', 'readable'] as const;
export type AscentStyle = (typeof ASCENT_STYLES)[number];

/** Halvings of the step before the ascent gives up on finding a better point. */
const MAX_HALVINGS = 20;
/** ‖t‖ / ‖g‖ below which x counts as stationary on the sphere (float32 rounding of a parallel g sits near 1e-7). */
const STATIONARY = 1e-6;

interface Settings {
  steps: number;
  tolerance: number;
  stepSize: number;
  jitter: number;
  totalVariation: number;
  blur: number;
  seed: number;
}

function settingsOf(options: AscentOptions = {}): Settings {
  const s: Settings = {
    steps: options.steps ?? DEFAULT_ASCENT_STEPS,
    tolerance: options.tolerance ?? 1e-6,
    stepSize: options.stepSize ?? 0.1,
    jitter: options.jitter ?? 0,
    totalVariation: options.totalVariation ?? 0,
    blur: options.blur ?? 0,
    seed: options.seed ?? 0,
  };
  const check = (ok: boolean, what: string): void => {
    if (!ok) throw new ModelError(`ascent: ${what}`);
  };
  check(Number.isInteger(s.steps) && s.steps >= 0, `steps must be a whole number ≥ 0, got ${s.steps}`);
  check(s.tolerance >= 0, `tolerance must be ≥ 0, got ${s.tolerance}`);
  check(s.stepSize > 0 && Number.isFinite(s.stepSize), `step size must be a positive number, got ${s.stepSize}`);
  check(Number.isInteger(s.jitter) && s.jitter >= 0, `jitter must be a whole number of pixels ≥ 0, got ${s.jitter}`);
  check(s.totalVariation >= 0 && Number.isFinite(s.totalVariation), `total variation weight must be ≥ 0, got ${s.totalVariation}`);
  check(s.blur >= 0 && Number.isFinite(s.blur), `blur weight must be ≥ 0, got ${s.blur}`);
  check(Number.isInteger(s.seed), `seed must be a whole number, got ${s.seed}`);
  return s;
}

export function ascendLayer(
  model: PreparedModel,
  layerId: string,
  neurons: readonly number[],
  options: ReverseOptions & { ascent?: AscentOptions; onProgress?: (done: number, total: number) => void; familyResults?: boolean },
): LayerResult & { traces: Float32Array[] } {
  if (options.ascent?.style === 'readable') {
    const { steps, seed, range } = options.ascent;
    return ascendReadable(model, layerId, neurons, { ...options, readable: { steps, seed, range, onStep: options.onProgress } });
  }
  const settings = settingsOf(options.ascent);
  const regularised = settings.jitter > 0 || settings.totalVariation > 0 || settings.blur > 0;
  const grid = regularised ? inputGrid(model) : undefined;
  const start = reverseLayer(model, layerId, neurons, { ...options, mode: 'surrogate' });
  const layer = layerById(model, layerId);
  const inputSize = sizeOf(model.inputFeatureShape);
  const xstar = Float32Array.from(start.xstar);
  const activations = Float32Array.from(start.activations);
  const traces: Float32Array[] = [];
  // Steps taken by the neurons done: each stops on its own, so the total shrinks to the steps taken.
  let taken = 0;
  const report = (row: number, step: number): void => options.onProgress?.(taken + step, taken + (neurons.length - row) * settings.steps);
  for (let row = 0; row < neurons.length; row++) {
    if (start.dead[row]) {
      // Nothing to start from: the surrogate sees no input that changes this objective.
      traces.push(Float32Array.of(start.activations[row]));
      report(row + 1, 0);
      continue;
    }
    const seed = new Float32Array(sizeOf(layer.featureShape));
    writeSeed(layer, neurons[row], options.objective, seed, 0);
    const x0 = xstar.slice(row * inputSize, (row + 1) * inputSize);
    const onStep = options.onProgress && ((step: number) => report(row, step));
    const run = ascend({ model, layerId, seed, radius: options.radius, settings, grid, rng: mulberry32(settings.seed + neurons[row]), onStep }, x0);
    xstar.set(run.x, row * inputSize);
    activations[row] = run.trace[run.trace.length - 1];
    traces.push(Float32Array.from(run.trace));
    taken += run.trace.length - 1;
    report(row + 1, 0);
  }
  return { ...start, xstar, activations, traces };
}

interface Problem {
  readonly model: PreparedModel;
  readonly layerId: string;
  readonly seed: Float32Array;
  readonly radius: number;
  readonly settings: Settings;
  readonly grid: Grid | undefined;
  readonly rng: () => number;
  /** Called with the steps this neuron has taken. */
  readonly onStep?: (step: number) => void;
}

interface Point {
  readonly x: Float32Array;
  /** Forward values at x: the activation, and the reference of the next gradient. */
  readonly values: Map<string, Tensor>;
  /** The real activation y*·layer(x). */
  readonly activation: number;
  /** What the ascent maximises: the activation minus the regularisers' penalty. */
  readonly objective: number;
}

function evaluate(p: Problem, x: Float32Array): Point {
  const values = runForward(p.model, x, [p.layerId]);
  const y = values.get(p.layerId)!.data;
  let activation = 0;
  for (let i = 0; i < y.length; i++) activation += p.seed[i] * y[i];
  return { x, values, activation, objective: activation - penalty(p, x).value };
}

/** ∇ of the objective at a point: the real gradient (at a rolled copy under jitter) minus the penalty's. */
function gradient(p: Problem, at: Point): Float64Array {
  let g: Float32Array;
  if (p.grid && p.settings.jitter > 0) {
    const j = p.settings.jitter;
    const shift = p.grid.spatial.map(() => Math.floor(p.rng() * (2 * j + 1)) - j);
    const rolled = rollInput(p.grid, at.x, shift);
    const values = runForward(p.model, rolled, [p.layerId]);
    g = rollInput(p.grid, reverseSeeds(p.model, p.layerId, p.seed, 1, 'local', values), shift.map((s) => -s));
  } else {
    g = reverseSeeds(p.model, p.layerId, p.seed, 1, 'local', at.values);
  }
  const out = Float64Array.from(g);
  const pen = penalty(p, at.x).gradient;
  if (pen) for (let i = 0; i < out.length; i++) out[i] -= pen[i];
  return out;
}

/** The regularisers' penalty and its gradient (none without regularisers). */
function penalty(p: Problem, x: Float32Array): { value: number; gradient?: Float64Array } {
  const { totalVariation: tvWeight, blur: blurWeight } = p.settings;
  if (!p.grid || (tvWeight === 0 && blurWeight === 0)) return { value: 0 };
  let value = 0;
  const gradient = new Float64Array(x.length);
  for (const [weight, term] of [[tvWeight, totalVariation], [blurWeight, blurPenalty]] as const) {
    if (weight === 0) continue;
    const t = term(p.grid, x);
    value += weight * t.value;
    for (let i = 0; i < gradient.length; i++) gradient[i] += weight * t.gradient[i];
  }
  return { value, gradient };
}

function ascend(p: Problem, x0: Float32Array): { x: Float32Array; trace: number[] } {
  const r = p.radius;
  const { steps, tolerance, stepSize } = p.settings;
  let at = evaluate(p, x0);
  const trace = [at.activation];
  let eta = stepSize * r;
  const minEta = eta / 2 ** MAX_HALVINGS;
  for (let step = 0; step < steps; step++) {
    const g = gradient(p, at);
    const x = at.x;
    let gx = 0;
    let gg = 0;
    for (let i = 0; i < g.length; i++) {
      gx += g[i] * x[i];
      gg += g[i] * g[i];
    }
    const t = new Float64Array(g.length);
    const along = gx / (r * r);
    let tt = 0;
    for (let i = 0; i < g.length; i++) {
      t[i] = g[i] - along * x[i];
      tt += t[i] * t[i];
    }
    const tNorm = Math.sqrt(tt);
    if (!(tNorm > STATIONARY * Math.sqrt(gg))) break;
    let next: Point | undefined;
    while (!next) {
      const candidate = new Float64Array(g.length);
      for (let i = 0; i < g.length; i++) candidate[i] = x[i] + (eta * t[i]) / tNorm;
      const tried = evaluate(p, onSphere(candidate, r));
      if (tried.objective >= at.objective) {
        next = tried;
      } else {
        eta /= 2;
        if (eta < minEta) break;
      }
    }
    if (!next) break;
    const improvement = (next.objective - at.objective) / Math.max(Math.abs(at.objective), 1e-12);
    at = next;
    trace.push(at.activation);
    p.onStep?.(step + 1);
    if (improvement < tolerance) break;
  }
  return { x: at.x, trace };
}

/** r·v/‖v‖ as float32. */
function onSphere(v: Float64Array, r: number): Float32Array {
  let sq = 0;
  for (let i = 0; i < v.length; i++) sq += v[i] * v[i];
  const scale = r / Math.sqrt(sq);
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i] * scale;
  return out;
}
