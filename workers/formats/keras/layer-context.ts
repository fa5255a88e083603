import { ModelError } from '../../engine/graph';
import type { GraphBuilder, KerasShape, KTensor } from './builder';
import type { KerasLayer } from './config';
import type { ConfigReader } from './json';
import type { WeightArray } from './weights';

/** What a layer translator gets: the builder, the layer, its inputs, its weights. */
export interface LayerContext {
  readonly b: GraphBuilder;
  readonly layer: KerasLayer;
  readonly cfg: ConfigReader;
  /** Base for the names of this call's tensors (the layer name, prefixed inside nested models). */
  readonly name: string;
  readonly inputs: readonly KTensor[];
  /** Major Keras version (2 or 3): a few activations changed between them. */
  readonly kerasMajor: number;
  /** The layer's weights assigned to roles ('kernel', 'bias' …). */
  weights(roles: readonly string[]): Map<string, WeightArray>;
  /** A remark the user sees in the model's source notes. */
  note(message: string): void;
}

export type LayerTranslator = (ctx: LayerContext) => KTensor;

export function single(ctx: LayerContext): KTensor {
  if (ctx.inputs.length !== 1) throw new ModelError(`${ctx.cfg.where}: expects one input, got ${ctx.inputs.length}`);
  return ctx.inputs[0];
}

/** Spatial dims and channels of a channels-last or channels-first tensor. */
export function spatialOf(ctx: LayerContext, shape: KerasShape, rank: number, channelsFirst: boolean): { spatial: (number | null)[]; channels: number | null } {
  if (shape.length !== rank + 2) throw new ModelError(`${ctx.cfg.where}: expects a rank-${rank + 2} input, got shape [${shape.map((d) => d ?? '?').join(', ')}]`);
  return channelsFirst ? { spatial: shape.slice(2), channels: shape[1] } : { spatial: shape.slice(1, -1), channels: shape[shape.length - 1] };
}

export function isChannelsFirst(ctx: LayerContext): boolean {
  return ctx.cfg.string('data_format', 'channels_last') === 'channels_first';
}

export function fmtShape(shape: KerasShape): string {
  return `[${shape.map((d) => d ?? '?').join(', ')}]`;
}
