import { exactRefusal } from '../reverse';
import { reversalRun } from './reversal';
import type { ModeDef } from './types';

const reverse = reversalRun('exact');

/** The closed form x* = r·w/‖w‖ of a linear network (DESIGN.md §1). */
export const exactMode: ModeDef = {
  id: 'exact',
  labelKey: 'modes.exact',
  hintKey: 'modeHints.exact',
  help: 'the closed form of a linear network; refuses networks with nonlinearities',
  reference: 'never',
  readsAscent: false,
  linearOnly: true,
  closedFormOnLinear: true,
  reusesKnown: true,
  reports: [],
  run(model, layerId, neurons, run) {
    // A nonlinear network is refused as a whole, not only the layers behind a nonlinearity.
    if (model.nonlinearNodes.length > 0) throw exactRefusal(model, model.nonlinearNodes);
    return reverse(model, layerId, neurons, run);
  },
};
