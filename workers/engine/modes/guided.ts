import { reversalRun } from './reversal';
import type { ModeDef } from './types';

/** The guided backpropagation rule at each ReLU (Springenberg et al.), at the reference input. */
export const guidedMode: ModeDef = {
  id: 'guided',
  labelKey: 'modes.guided',
  hintKey: 'modeHints.guided',
  help: 'Springenberg et al.’s guided backpropagation rule at ReLUs, at --reference',
  reference: 'always',
  readsAscent: false,
  linearOnly: false,
  closedFormOnLinear: true,
  reusesKnown: true,
  reports: [],
  run: reversalRun('guided'),
};
