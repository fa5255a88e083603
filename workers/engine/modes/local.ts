import { reversalRun } from './reversal';
import type { ModeDef } from './types';

/** The network linearised at the reference input x0: a is the gradient at x0 (DESIGN.md §1). */
export const localMode: ModeDef = {
  id: 'local',
  labelKey: 'modes.local',
  hintKey: 'modeHints.local',
  help: 'the network linearised at --reference (mid-grey in the value range when none is given)',
  reference: 'always',
  readsAscent: false,
  linearOnly: false,
  closedFormOnLinear: true,
  reusesKnown: true,
  reports: [],
  run: reversalRun('local'),
};
