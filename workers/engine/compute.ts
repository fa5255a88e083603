import { ascendLayer, type AscentOptions } from './ascent';
import type { ReversalMode } from './op';
import type { PreparedModel } from './prepare';
import { exactRefusal, neuronCount, reverseLayer, type LayerResult } from './reverse';
import { layerById, type Objective } from './seeds';
import type { KnownReversals } from './reuse';

/** Every mode a user can pick (DESIGN.md §1): the reversal rules plus projected gradient ascent. */
export type GalleryMode = ReversalMode | 'ascent';

export const GALLERY_MODES: readonly GalleryMode[] = ['exact', 'surrogate', 'local', 'deconvnet', 'guided', 'ascent'];

/** What a user may ask for: a mode, or `auto` (the default): exact on linear networks, surrogate otherwise. */
export type ModeChoice = GalleryMode | 'auto';

export function resolveMode(choice: ModeChoice, model: Pick<PreparedModel, 'nonlinearNodes'>): GalleryMode {
  if (choice !== 'auto') return choice;
  return model.nonlinearNodes.length > 0 ? 'surrogate' : 'exact';
}

/** What a gallery is computed with; results are cached under these. */
export interface GallerySettings {
  readonly mode: GalleryMode;
  readonly objective: Objective;
  readonly radius: number;
  /** x0 for local, deconvnet and guided (feature shape); zero when absent. */
  readonly reference?: Float32Array;
  readonly ascent?: AscentOptions;
}

export interface NeuronsResult extends LayerResult {
  /** Ascent only: the real activation at every step, one array per neuron. */
  readonly traces?: readonly Float32Array[];
}

/**
 * Computes the optimal inputs of some neurons of one layer under the given settings.
 * `known`: reversals of other layers under the same settings, which the optimised engine
 * may reuse (reuse.ts); the result is the same to rounding either way.
 */
export function computeNeurons(
  model: PreparedModel, layerId: string, neurons: readonly number[], settings: GallerySettings, known?: KnownReversals,
): NeuronsResult {
  // The exact mode refuses a nonlinear network as a whole, not only the layers behind a nonlinearity.
  if (settings.mode === 'exact' && model.nonlinearNodes.length > 0) throw exactRefusal(model, model.nonlinearNodes);
  const options = { mode: settings.mode === 'ascent' ? ('surrogate' as const) : settings.mode, objective: settings.objective, radius: settings.radius, reference: settings.reference };
  if (settings.mode === 'ascent') return ascendLayer(model, layerId, neurons, { ...options, ascent: settings.ascent });
  return reverseLayer(model, layerId, neurons, { ...options, known });
}

/** Every neuron index of a layer under an objective. */
export function allNeurons(model: PreparedModel, layerId: string, objective: Objective): number[] {
  const layer = layerById(model, layerId);
  return Array.from({ length: neuronCount(layer, objective) }, (_, i) => i);
}
