import { isChannelsLastFormat } from '../../../workers/formats/index';
import type { ModelSummary } from '../../../workers/pool/api';
import { inputLayout, type InputLayout } from './thumbnail';

/**
 * Whether the model's input is channels-last (H, W, C). The summary has no input layout
 * of its own: a conv-like layer with its channels on the last axis tells, and so does the
 * format's default layout (Keras and TF.js are channels-last by construction).
 */
export function isChannelsLast(summary: Pick<ModelSummary, 'layers' | 'source'>): boolean {
  if (isChannelsLastFormat(summary.source.format)) return true;
  return summary.layers.some((l) => l.channelAxis !== null && l.featureShape.length > 1 && l.channelAxis === l.featureShape.length - 1);
}

export function modelInputLayout(summary: Pick<ModelSummary, 'layers' | 'source' | 'inputShape'>): InputLayout {
  return inputLayout(summary.inputShape, isChannelsLast(summary));
}
