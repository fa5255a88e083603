import { ascendLayer } from '../ascent';
import type { ModeDef } from './types';

/** Projected gradient ascent on the sphere ‖x‖ = r, started from the surrogate's closed form (engine/ascent.ts). */
export const ascentMode: ModeDef = {
  id: 'ascent',
  labelKey: 'modes.ascent',
  hintKey: 'modeHints.ascent',
  help: 'projected gradient ascent on the sphere, from the surrogate’s optimum',
  // The start is the surrogate's optimum; each step linearises at the current x.
  reference: 'gates',
  readsAscent: true,
  linearOnly: false,
  closedFormOnLinear: false,
  reusesKnown: false,
  reports: ['linearisedAt', 'traces'],
  run: (model, layerId, neurons, run) =>
    ascendLayer(model, layerId, neurons, { mode: 'surrogate', objective: run.objective, radius: run.radius, reference: run.reference, ascent: run.ascent, onProgress: run.onProgress, familyResults: run.familyResults }),
};
