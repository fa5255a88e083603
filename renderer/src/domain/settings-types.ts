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
  readonly radius: number;
  /** Ascent: step limit. */
  readonly ascentSteps: number;
  /** A preview: only the first N neurons (channels) of each layer; 0 = every neuron. */
  readonly preview: number;
}

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
}
