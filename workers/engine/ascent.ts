import type { PreparedModel } from './prepare';
import type { LayerResult, ReverseOptions } from './reverse';

/** Projected gradient ascent on the sphere ‖x‖ = r (DESIGN.md §1); the nonlinear-modes work fills this in. */
export interface AscentOptions {
  /** Step limit (default 200). */
  readonly steps?: number;
  /** Stop when the relative improvement of a step falls below this (default 1e-6). */
  readonly tolerance?: number;
  /** Step length on the tangent plane, as a fraction of r (default 0.1). */
  readonly stepSize?: number;
  /** Lucid-style regularisers, off by default. */
  readonly jitter?: number;
  readonly totalVariation?: number;
  readonly blur?: number;
  readonly seed?: number;
}

export function ascendLayer(
  _model: PreparedModel,
  _layerId: string,
  _neurons: readonly number[],
  _options: ReverseOptions & { ascent?: AscentOptions },
): LayerResult & { traces: Float32Array[] } {
  throw new Error('ascent mode is not built yet');
}
