/**
 * One neuron under several modes, computed on a pool of its own (one worker), so the
 * gallery's run goes on untouched. Each mode is a run of the neuron's layer with the
 * neuron put first; the run is cancelled as soon as the neuron's result is in.
 */
import type { GalleryPool, GallerySettings, LayerResult, LoadOptions } from '../../../workers/pool/api';
import { gatherRows } from '../../../workers/engine/layer-result';
import { createBrowserPool } from '../../../workers/pool/browser';
import type { ModelFile } from '../host/index';
import { errorMessage } from '../../../workers/engine/graph';

let pool: GalleryPool | undefined;
let loaded: string | undefined;

async function poolFor(files: readonly ModelFile[], digest: string, options: LoadOptions): Promise<GalleryPool> {
  pool ??= createBrowserPool({ size: 1 });
  if (loaded !== digest) {
    loaded = undefined;
    await pool.load(files, options);
    loaded = digest;
  }
  return pool;
}

/** The neuron's result: one row. */
function oneNeuron(p: GalleryPool, settings: GallerySettings, layer: string, neuron: number): Promise<LayerResult> {
  return new Promise((resolve, reject) => {
    let generation = -1;
    const stop = (): void => {
      offResult();
      offError();
      p.cancel();
    };
    const offResult = p.onResult((r) => {
      const row = r.generation === generation && r.layer === layer ? r.neurons.indexOf(neuron) : -1;
      if (row >= 0) {
        stop();
        resolve(gatherRows(layer, r.inputShape, [{ result: r, row }]));
      }
    });
    const offError = p.onError((e) => {
      if (e.generation === generation && (e.layer === '' || (e.layer === layer && e.neurons.includes(neuron)))) {
        stop();
        reject(new Error(e.message));
      }
    });
    try {
      generation = p.run(settings, [layer]);
      p.prioritize(layer, [neuron]);
    } catch (e) {
      stop();
      reject(e instanceof Error ? e : new Error(errorMessage(e)));
    }
  });
}

/** `result` holds the one neuron's row. */
export type CompareOutcome = { readonly ok: true; readonly result: LayerResult } | { readonly ok: false; readonly message: string };

/** The neuron's result under each settings, in order; a mode that fails (the exact mode on a nonlinear model) says why. */
export async function compareNeuron(
  model: { readonly files: readonly ModelFile[]; readonly digest: string; readonly options: LoadOptions },
  layer: string,
  neuron: number,
  runs: readonly GallerySettings[],
  onOutcome: (index: number, outcome: CompareOutcome) => void,
): Promise<void> {
  let p: GalleryPool;
  try {
    p = await poolFor(model.files, model.digest, model.options);
  } catch (e) {
    const message = errorMessage(e);
    // A newer comparison replaced this load (the user changed the modes): it reports instead.
    if (message.includes('superseded by a newer load')) return;
    for (let i = 0; i < runs.length; i++) onOutcome(i, { ok: false, message });
    return;
  }
  for (let i = 0; i < runs.length; i++) {
    try {
      onOutcome(i, { ok: true, result: await oneNeuron(p, runs[i], layer, neuron) });
    } catch (e) {
      onOutcome(i, { ok: false, message: errorMessage(e) });
    }
  }
}
