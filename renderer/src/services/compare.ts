/** One neuron under several modes, computed on the side pool (services/side-pool.ts), so the gallery's run goes on untouched. */
import type { GalleryPool, GallerySettings, LayerResult } from '../../../workers/pool/api';
import { gatherRows } from '../../../workers/engine/layer-result';
import { errorMessage } from '../../../workers/engine/graph';
import { collectNeurons, onSidePool, type SideModel } from './side-pool';

/** The neuron's result: one row. */
async function oneNeuron(p: GalleryPool, settings: GallerySettings, layer: string, neuron: number): Promise<LayerResult> {
  let result: LayerResult | undefined;
  await collectNeurons(p, settings, layer, [neuron], (r, row) => (result = gatherRows(layer, r.inputShape, [{ result: r, row }])));
  return result!;
}

/** `result` holds the one neuron's row. */
export type CompareOutcome = { readonly ok: true; readonly result: LayerResult } | { readonly ok: false; readonly message: string };

let comparisons = 0;

/** The neuron's result under each settings, in order; a mode that fails (the exact mode on a nonlinear model) says why. A newer comparison stops this one. */
export async function compareNeuron(model: SideModel, layer: string, neuron: number, runs: readonly GallerySettings[], onOutcome: (index: number, outcome: CompareOutcome) => void): Promise<void> {
  const mine = ++comparisons;
  try {
    await onSidePool(model, async (p) => {
      for (let i = 0; i < runs.length && mine === comparisons; i++) {
        try {
          onOutcome(i, { ok: true, result: await oneNeuron(p, runs[i], layer, neuron) });
        } catch (e) {
          onOutcome(i, { ok: false, message: errorMessage(e) });
        }
      }
    });
  } catch (e) {
    // The model could not be loaded on the side pool.
    const message = errorMessage(e);
    for (let i = 0; i < runs.length; i++) onOutcome(i, { ok: false, message });
  }
}
