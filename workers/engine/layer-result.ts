/**
 * The one result contract (issue 15): what the engine computes for some neurons of one
 * layer, as the worker transfers it, the pool caches and delivers it, and the renderer, the
 * export and the CLI read it. Per-layer typed arrays, one row per neuron of `neurons`; never
 * split into per-neuron objects. The receptive-field crop of each row is the layer's
 * (`LayerInfo.crops`, engine/receptive-field.ts): it depends on the layer, not on the run.
 */
export interface LayerResult {
  readonly layer: string;
  /** The neuron of each row. */
  readonly neurons: readonly number[];
  /** Shape of one x* (the model's input without its batch dimension). */
  readonly inputShape: readonly number[];
  /** neurons.length rows of size(inputShape): x* = r·a/‖a‖, zero for dead neurons. */
  readonly xstar: Float32Array;
  /** ‖a‖ with a = Jᵀy*. */
  readonly norms: Float32Array;
  /** The objective the real network reaches at x*. */
  readonly activations: Float32Array;
  /** The objective at the zero input: the bias term. */
  readonly baselines: Float32Array;
  /** 1 where a = 0: no input changes the objective (to first order). */
  readonly dead: Uint8Array;
  /**
   * Surrogate mode: nodes behind the layer with no linear counterpart (gates, Softmax …),
   * linearised at the reference input instead (DESIGN.md §1). Empty otherwise.
   */
  readonly linearisedAt: readonly string[];
  /** Ascent only: the real activation at every step, one array per row. */
  readonly traces?: readonly Float32Array[];
  /**
   * Readable ascent, when the job asked for them: the results of the layers sharing this
   * layer's ascent (ascent-family.ts) for the same neurons, which the pool delivers as theirs.
   */
  readonly family?: readonly LayerResult[];
}

/** Values in one x* row. */
export function rowSize(r: Pick<LayerResult, 'inputShape'>): number {
  return r.inputShape.reduce((a, b) => a * b, 1);
}

/** Row i's x* (a view, not a copy). */
export function xstarRow(r: Pick<LayerResult, 'inputShape' | 'xstar'>, i: number): Float32Array {
  const size = rowSize(r);
  return r.xstar.subarray(i * size, (i + 1) * size);
}

/** The typed arrays a result holds, to transfer them between threads. */
export function resultBuffers(r: LayerResult): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const a of [r.xstar, r.norms, r.activations, r.baselines, r.dead, ...(r.traces ?? [])]) {
    if (a.buffer instanceof ArrayBuffer) buffers.add(a.buffer);
  }
  for (const f of r.family ?? []) for (const b of resultBuffers(f)) buffers.add(b);
  return [...buffers];
}

/** One row of a result. */
export interface ResultRow {
  readonly result: LayerResult;
  readonly row: number;
}

/** Rows of several results of one layer, in neuron order. */
function rowsInOrder(parts: readonly LayerResult[]): ResultRow[] {
  const rows = parts.flatMap((result) => result.neurons.map((_, row) => ({ result, row })));
  return rows.sort((a, b) => a.result.neurons[a.row] - b.result.neurons[b.row]);
}

/** The x* rows of several results of one layer, in neuron order (views). */
export function orderedRows(parts: readonly LayerResult[]): Float32Array[] {
  return rowsInOrder(parts).map(({ result, row }) => xstarRow(result, row));
}

/**
 * Several results of one layer as one, rows in neuron order (copied). `xstar: false` leaves
 * x* empty: the statistics of a layer whose rows are written one by one (issue 18).
 */
export function joinResults(layer: string, inputShape: readonly number[], parts: readonly LayerResult[], options: { xstar?: boolean } = {}): LayerResult {
  return gatherRows(layer, inputShape, rowsInOrder(parts), options);
}

/** Some rows of results of one layer as one result, in the order given (copied). */
export function gatherRows(layer: string, inputShape: readonly number[], rows: readonly ResultRow[], options: { xstar?: boolean } = {}): LayerResult {
  const size = rowSize({ inputShape });
  const n = rows.length;
  const withX = options.xstar ?? true;
  const xstar = new Float32Array(withX ? n * size : 0);
  const norms = new Float32Array(n);
  const activations = new Float32Array(n);
  const baselines = new Float32Array(n);
  const dead = new Uint8Array(n);
  const traced = n > 0 && rows.every((r) => r.result.traces);
  const traces: Float32Array[] = [];
  rows.forEach(({ result, row }, i) => {
    if (withX) xstar.set(xstarRow(result, row), i * size);
    norms[i] = result.norms[row];
    activations[i] = result.activations[row];
    baselines[i] = result.baselines[row];
    dead[i] = result.dead[row];
    if (traced) traces.push(result.traces![row]);
  });
  return {
    layer,
    neurons: rows.map(({ result, row }) => result.neurons[row]),
    inputShape,
    xstar,
    norms,
    activations,
    baselines,
    dead,
    linearisedAt: rows[0]?.result.linearisedAt ?? [],
    ...(traced ? { traces } : {}),
  };
}
