import type { ReversalMode } from '../op';
import type { PreparedModel } from '../prepare';
import { reverseLayer } from '../reverse';
import type { LayerResult } from '../layer-result';
import type { ModeDef, ModeRun } from './types';

/** The run of a mode that is one reversal rule (engine/reverse.ts): x* = r·a/‖a‖ with a = Jᵀy* under that rule. */
export function reversalRun(mode: ReversalMode): ModeDef['run'] {
  return (model: PreparedModel, layerId: string, neurons: readonly number[], run: ModeRun): LayerResult =>
    reverseLayer(model, layerId, neurons, { mode, objective: run.objective, radius: run.radius, reference: run.reference, known: run.known });
}
