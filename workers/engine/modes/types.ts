import type { AscentOptions } from '../ascent';
import type { PreparedModel } from '../prepare';
import type { LayerResult } from '../layer-result';
import type { KnownReversals } from '../reuse';
import type { Objective } from '../seeds';

/** Every mode a user can pick (DESIGN.md §1); each is one module in this folder, listed in index.ts. */
export type GalleryMode = 'exact' | 'surrogate' | 'local' | 'deconvnet' | 'guided' | 'ascent';

/** What a mode is run with, for some neurons of one layer. */
export interface ModeRun {
  readonly objective: Objective;
  readonly radius: number;
  /** x0 (feature shape); zero when absent. */
  readonly reference?: Float32Array;
  readonly ascent?: AscentOptions;
  /** Reversals of other layers under the same settings, for modes that reuse them (engine/reuse.ts). */
  readonly known?: KnownReversals;
  /** Modes that iterate (ascent): called as steps finish, with the steps done and the steps in all. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Readable ascent: return the results of the layers sharing the ascent (LayerResult.family) instead of keeping them. */
  readonly familyResults?: boolean;
}

/** Everything the app, the CLI, the pool and the export know about one mode. */
export interface ModeDef {
  readonly id: GalleryMode;
  /** vue-i18n keys of its name and its one-line hint (renderer/src/i18n). */
  readonly labelKey: string;
  readonly hintKey: string;
  /** One line for `neurovis --help`. */
  readonly help: string;
  /**
   * How the reference input x0 enters its results: at every nonlinearity ('always'), only
   * at the gates the linear surrogate linearises ('gates', engine/gates.ts), or not at all.
   */
  readonly reference: 'always' | 'gates' | 'never';
  /** Whether it reads the ascent options (steps …). */
  readonly readsAscent: boolean;
  /** Refuses a network with any nonlinear node (the closed form needs a linear network). */
  readonly linearOnly: boolean;
  /** On a layer that no nonlinearity precedes, it gives the linear closed form (as every reversal rule does). */
  readonly closedFormOnLinear: boolean;
  /** May reuse the reversals of other layers computed under the same settings (engine/reuse.ts). */
  readonly reusesKnown: boolean;
  /** What its results carry beyond x*, norms, activations, baselines and dead. */
  readonly reports: readonly ('linearisedAt' | 'traces')[];
  /** The optimal inputs of some neurons of one layer. */
  run(model: PreparedModel, layerId: string, neurons: readonly number[], run: ModeRun): LayerResult;
}
