import { channelPatterns } from '../channel-pattern';
import { reversalRun } from './reversal';
import type { ModeDef } from './types';

/**
 * Each nonlinearity replaced by its linear counterpart; gates linearised at the reference input
 * (DESIGN.md §1). The channel objective gives the channel's pattern (engine/channel-pattern.ts).
 */
export const surrogateMode: ModeDef = {
  id: 'surrogate',
  labelKey: 'modes.surrogate',
  hintKey: 'modeHints.surrogate',
  help: 'each nonlinearity replaced by its linear counterpart (ReLU → identity, max-pool → average); gates linearised at --reference',
  reference: 'gates',
  readsAscent: false,
  linearOnly: false,
  closedFormOnLinear: true,
  reusesKnown: true,
  reports: ['linearisedAt'],
  run: (model, layerId, neurons, run) =>
    run.objective.kind === 'channel'
      ? channelPatterns(model, layerId, neurons, { mode: 'surrogate', objective: run.objective, radius: run.radius, reference: run.reference })
      : reversalRun('surrogate')(model, layerId, neurons, run),
};
