/**
 * Which layers a change of settings affects (pure). A layer whose ancestors are all linear
 * gets the same x* from every reversal rule, and one whose output is a vector ignores the
 * objective; the reference input matters only to the modes that linearise at it (at every
 * nonlinearity, or, for the surrogate, at the gates behind the layer). A layer
 * keeps its results when its key does not change.
 */
import type { LayerInfo } from '../../../workers/engine/prepare';
import type { ModelSummary } from '../../../workers/pool/api';
import { modeById } from '../../../workers/engine/modes/index';
import { radiusKey } from '../../../workers/engine/layer-radius';
import type { ResolvedCompute } from './settings-types';

/**
 * Layers that no nonlinear node precedes in the model's (topological) layer order. A
 * nonlinear node that is no layer's node cannot be placed, so then no layer counts as linear.
 */
export function linearPrefixLayers(summary: Pick<ModelSummary, 'layers' | 'nonlinearNodes'>): Set<string> {
  const position = new Map(summary.layers.map((l, i) => [l.node, i]));
  let firstNonlinear = summary.layers.length;
  for (const name of summary.nonlinearNodes) {
    const at = position.get(name);
    if (at === undefined) return new Set();
    firstNonlinear = Math.min(firstNonlinear, at);
  }
  return new Set(summary.layers.slice(0, firstNonlinear).map((l) => l.id));
}

/**
 * Layers that some gate precedes in the layer order: where the surrogate linearises at the
 * reference input. A gate that is no layer's node cannot be placed, so then every layer counts.
 */
function gatedLayers(summary: Pick<ModelSummary, 'layers' | 'gateNodes'>): Set<string> {
  const position = new Map(summary.layers.map((l, i) => [l.node, i]));
  let firstGate = summary.layers.length;
  for (const name of summary.gateNodes) firstGate = Math.min(firstGate, position.get(name) ?? 0);
  return new Set(summary.layers.slice(firstGate).map((l) => l.id));
}

/** What a layer's results depend on under these settings: equal keys, equal results. */
export function layerKey(
  layer: Pick<LayerInfo, 'id' | 'channelAxis'>,
  settings: ResolvedCompute,
  context: { readonly linear: boolean; readonly gated: boolean; readonly modelIsNonlinear: boolean; readonly referenceId: string | null },
): string {
  const mode = modeById(settings.mode);
  let rule: string = settings.mode;
  if (mode.linearOnly && context.modelIsNonlinear) rule = 'exact-refused';
  else if (mode.closedFormOnLinear && context.linear) rule = 'linear';
  const objective =
    layer.channelAxis === null ? 'element' : settings.objective === 'position' ? `position:${settings.position.join(',')}` : settings.objective;
  const readsReference = mode.reference === 'always' || (mode.reference === 'gates' && context.gated);
  const reference = readsReference && rule !== 'linear' ? (context.referenceId ?? 'zero') : '-';
  const ascent = mode.readsAscent ? `steps:${settings.ascentSteps}` : '-';
  // A preview holds fewer neurons: its layer data is sized to them.
  return [rule, objective, `r:${radiusKey(settings.radius)}`, reference, ascent, `n:${settings.preview}`].join('|');
}

/** The key of every layer of a model under these settings. */
export function layerKeys(summary: ModelSummary, settings: ResolvedCompute, referenceId: string | null): Map<string, string> {
  const linear = linearPrefixLayers(summary);
  const gated = gatedLayers(summary);
  const modelIsNonlinear = summary.nonlinearNodes.length > 0;
  return new Map(
    summary.layers.map((l) => [l.id, layerKey(l, settings, { linear: linear.has(l.id), gated: gated.has(l.id), modelIsNonlinear, referenceId })]),
  );
}
