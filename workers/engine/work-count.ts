/**
 * The rows of each kind of work the engine does per layer (reverse.ts), counted only while a
 * caller asks (countingWork): tests compare the estimate's plan (estimate.ts planWork) with it.
 */
type Counts = Map<string, { reversed: number; reused: number; checked: number }>;

/** Rows of each kind of work in a layer (the estimate plans the same: estimate.ts planWork). */
export interface WorkPlan {
  /** Rows reversed through the cone. */
  readonly reversed: number;
  /** Rows combined from known reversals (element-wise or dense reuse). */
  readonly reused: number;
  /** Rows whose activation reached takes a forward pass. */
  readonly checked: number;
}

let counts: Counts | undefined;

/** Runs `f` with the engine counting its work; returns the counts per layer. */
export function countingWork(f: () => void): ReadonlyMap<string, WorkPlan> {
  const before = counts;
  const mine: Counts = new Map();
  counts = mine;
  try {
    f();
  } finally {
    counts = before;
  }
  return mine;
}

/** Adds `rows` of one kind of work to a layer's count (nothing unless counting). */
export function countWork(layer: string, kind: keyof WorkPlan, rows: number): void {
  if (!counts || rows === 0) return;
  let c = counts.get(layer);
  if (!c) counts.set(layer, (c = { reversed: 0, reused: 0, checked: 0 }));
  c[kind] += rows;
}
