import { reversalRun } from './reversal';
import type { ModeDef } from './types';

/** The deconvnet rule at each ReLU (Zeiler and Fergus), at the reference input. */
export const deconvnetMode: ModeDef = {
  id: 'deconvnet',
  labelKey: 'modes.deconvnet',
  hintKey: 'modeHints.deconvnet',
  help: 'Zeiler and Fergus’ rule at ReLUs, at --reference',
  reference: 'always',
  readsAscent: false,
  linearOnly: false,
  closedFormOnLinear: true,
  reusesKnown: true,
  reports: [],
  run: reversalRun('deconvnet'),
};
