/**
 * The radius of each layer's x* (issue 17). By default it follows the value range and the
 * layer's receptive field: r = ¼·(hi − lo)·√n with n the input values in the layer's
 * receptive-field box, so the typical value of x* deviates by a quarter of the range at every
 * depth. With n the whole input's size, a shallow neuron's 3×3×3 box took the norm meant for
 * 128×128×3 values and x* ran 40 times past the range. A number is one radius for every layer.
 */
import type { InputLayout } from './graph';
import { isChannelsLastLayout } from './input-layout';
import type { CropBox, LayerCrops } from './prepared-model';
import { unionCrop } from './receptive-field';
import type { Objective } from './seeds';
import { defaultRadius } from './value-range';

/** One radius for every layer, or relative to the value range per layer. */
export type Radius = number | { readonly range: readonly [number, number] };

/** What the radius of a layer depends on: the input's shape and layout, the layer's crops. */
export interface RadiusInput {
  /** The input's feature shape (no batch dimension). */
  readonly inputShape: readonly number[];
  readonly inputLayout: InputLayout;
}

/** The input values a box [y, x, h, w] holds (every channel of its pixels); null: the whole input. */
function boxValues(input: RadiusInput, box: CropBox | null): number {
  const size = input.inputShape.reduce((a, b) => a * b, 1);
  if (!box || input.inputShape.length !== 3) return size;
  const [height, width] = isChannelsLastLayout(input.inputLayout) ? [input.inputShape[0], input.inputShape[1]] : [input.inputShape[1], input.inputShape[2]];
  return (size / (height * width)) * box[2] * box[3];
}

/** The input values that can influence a layer's neurons under an objective (its receptive-field box). */
function receptiveValues(input: RadiusInput, crops: LayerCrops | undefined, objective: Objective['kind']): number {
  return boxValues(input, unionCrop(crops, objective));
}

/** The radius a layer's x* get. */
export function layerRadius(radius: Radius, input: RadiusInput, crops: LayerCrops | undefined, objective: Objective['kind']): number {
  return typeof radius === 'number' ? radius : defaultRadius(radius.range, receptiveValues(input, crops, objective));
}

/** What identifies a radius choice in cache and staleness keys. */
export function radiusKey(radius: Radius): string {
  return typeof radius === 'number' ? String(radius) : `rf:${radius.range[0]},${radius.range[1]}`;
}
