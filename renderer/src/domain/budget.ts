/** The estimate before a run in the app (engine/estimate.ts): what the user is asked about. */
import { checkBudget, DEFAULT_TIME_BUDGET_SECONDS, defaultMemoryBudget, describeEstimate, estimateGallery, type BudgetVerdict, type GalleryEstimate } from '../../../workers/engine/estimate';
import { stepsPerNeuron } from '../../../workers/engine/compute';
import { sizeOf } from '../../../workers/engine/tensor';
import type { GallerySettings, ModelSummary } from '../../../workers/pool/api';

/** Memory a page may plan on: a quarter of the device's (Chromium's navigator.deviceMemory, in GB; 4 GB when unknown), at most 2 GB as in the CLI. */
export function memoryBudget(deviceMemoryGb: number | undefined): number {
  return defaultMemoryBudget((deviceMemoryGb ?? 4) * 1024 ** 3);
}

export interface RunEstimate {
  readonly estimate: GalleryEstimate;
  readonly verdict: BudgetVerdict;
  /** "12,345 neurons, about 3 min on 2 workers, 120 MB". */
  readonly text: string;
}

export function estimateRun(summary: ModelSummary, layers: readonly string[], settings: GallerySettings, options: { neuronLimit?: number; workers: number; memoryBytes: number }): RunEstimate {
  const index = new Map(summary.layers.map((l, i) => [l.id, i]));
  const costs = layers.map((id) => {
    const i = index.get(id)!;
    return { id, neurons: settings.objective.kind === 'direction' ? 1 : summary.layers[i].neurons, flopsPerNeuron: summary.layerFlops[i], ascends: summary.layerAscends?.[i] };
  });
  const estimate = estimateGallery(costs, sizeOf(summary.inputShape), {
    neuronLimit: options.neuronLimit,
    workers: options.workers,
    ascentSteps: stepsPerNeuron(settings),
    ascentStyle: settings.ascent?.style,
  });
  const verdict = checkBudget(estimate, { seconds: DEFAULT_TIME_BUDGET_SECONDS, bytes: options.memoryBytes });
  return { estimate, verdict, text: describeEstimate(estimate, options.workers) };
}
