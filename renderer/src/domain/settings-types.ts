import type { Radius } from '../../../workers/engine/layer-radius';
import type { GalleryMode } from '../../../workers/engine/modes/index';
import type { ColormapName } from '../../../workers/imaging/colormap';

export type ObjectiveKind = 'neuron' | 'channel' | 'position';
export type ScaleMode = 'neuron' | 'layer';
export type ThemeChoice = 'system' | 'light' | 'dark';
export type LocaleChoice = 'system' | 'en' | 'zh-CN';

/** The settings that change what the workers compute. */
export interface ComputeSettings {
  readonly mode: GalleryMode;
  readonly objective: ObjectiveKind;
  /** Spatial position for the 'position' objective (row, column or index). */
  readonly position: readonly number[];
  /** The radius r = ‖x*‖ of every layer, or null: each layer's own, ¼·(hi − lo)·√n with n the values in its receptive field, as in the CLI (engine/layer-radius.ts). */
  readonly radius: number | null;
  /** The input's value range: 'auto' (the model's own where it says, else 0–1), a preset name or "lo,hi" (as the CLI's --value-range). */
  readonly valueRange: string;
  /** Ascent: step limit. */
  readonly ascentSteps: number;
  /** A preview: only the first N neurons (channels) of each layer; 0 = every neuron. */
  readonly preview: number;
}

/** The compute settings in effect: the radius resolved to a number, or to the value range each layer's radius follows. */
export type ResolvedCompute = Omit<ComputeSettings, 'radius'> & { readonly radius: Radius };

/** A reference input x0 for the local, deconvnet and guided rules. */
export interface ReferenceInput {
  /** Changes whenever the values do (cache keys use it). */
  readonly id: string;
  readonly name: string;
  readonly values: Float32Array;
}

/** The settings that only change how results are drawn. */
export interface DisplaySettings {
  readonly colormap: ColormapName;
  readonly scale: ScaleMode;
  /** Thumbnail size in CSS pixels. */
  readonly thumbSize: number;
  /** Stretch contrast: x* alone on x/(2·max|x|) + ½, instead of what the model sees (reference + x* in the value range). */
  readonly stretch: boolean;
}
