import { DEFAULT_ASCENT_STEPS, type AscentOptions } from './ascent';
import { DEFAULT_READABLE_STEPS } from './ascent-readable';
import type { LayerResult } from './layer-result';
import { modeById, type GalleryMode } from './modes/index';
export type { GalleryMode } from './modes/index';
import type { PreparedModel } from './prepare';
import { neuronCount } from './reverse';
import { layerRadius, type Radius } from './layer-radius';
import type { KnownReversals } from './reuse';
import { layerById, type Objective } from './seeds';

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
  /** One radius for every layer, or relative to the value range and each layer's receptive field (layer-radius.ts). */
  readonly radius: Radius;
  /** x0 for the modes that linearise at it (modes/: `reference`); zero when absent. */
  readonly reference?: Float32Array;
  readonly ascent?: AscentOptions;
}

/**
 * Computes the optimal inputs of some neurons of one layer under the given settings, with
 * the settings' mode (modes/). `known`: reversals of other layers under the same settings,
 * which the optimised engine may reuse (reuse.ts); the result is the same to rounding either way.
 * `onProgress`: the steps done and the steps in all, as a mode that iterates (ascent) finishes them.
 * `familyResults`: readable ascent returns the results of the layers sharing its ascent (LayerResult.family).
 */
export function computeNeurons(
  model: PreparedModel, layerId: string, neurons: readonly number[], settings: GallerySettings, known?: KnownReversals,
  onProgress?: (done: number, total: number) => void, familyResults?: boolean,
): LayerResult {
  const mode = modeById(settings.mode);
  return mode.run(model, layerId, neurons, {
    objective: settings.objective,
    radius: radiusOfLayer(model, layerId, settings),
    reference: settings.reference,
    ascent: settings.ascent,
    known: mode.reusesKnown ? known : undefined,
    onProgress,
    familyResults,
  });
}

/** The steps each neuron takes under these settings in a mode that iterates (ascent); undefined in the others. */
export function stepsPerNeuron(settings: Pick<GallerySettings, 'mode' | 'ascent'>): number | undefined {
  if (!modeById(settings.mode).readsAscent) return undefined;
  return settings.ascent?.steps ?? (settings.ascent?.style === 'readable' ? DEFAULT_READABLE_STEPS : DEFAULT_ASCENT_STEPS);
}

/** The radius a layer's x* get under these settings (the manifest's per-layer `radius`). */
export function radiusOfLayer(model: PreparedModel, layerId: string, settings: Pick<GallerySettings, 'radius' | 'objective'>): number {
  const input = { inputShape: model.inputFeatureShape, inputLayout: model.inputLayout };
  return layerRadius(settings.radius, input, layerById(model, layerId).crops, settings.objective.kind);
}

/** Every neuron index of a layer under an objective. */
export function allNeurons(model: PreparedModel, layerId: string, objective: Objective): number[] {
  const layer = layerById(model, layerId);
  return Array.from({ length: neuronCount(layer, objective) }, (_, i) => i);
}
