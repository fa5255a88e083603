import type { GraphNode } from './graph';
import type { Shape, Tensor } from './tensor';

/**
 * How a reversal treats nonlinearities (DESIGN.md §1). `exact` refuses them; `surrogate`
 * swaps each for its linear counterpart; `local` uses the true Jacobian at the reference
 * input; `deconvnet` and `guided` change the ReLU rule as Zeiler & Fergus and
 * Springenberg et al. define it. Ascent is built on top of these (see ascent.ts).
 */
export type ReversalMode = 'exact' | 'surrogate' | 'local' | 'deconvnet' | 'guided';

/** linear: exact reversal; reshape: moves data only (never a layer); nonlinear: needs a mode's rule; shape: output depends only on input shapes (always folds). */
export type OpKind = 'linear' | 'reshape' | 'nonlinear' | 'shape';

export interface OpContext {
  readonly node: GraphNode;
  /** Shape of each input; undefined for omitted optional inputs. */
  readonly inputShapes: readonly (Shape | undefined)[];
  /** Value of each input when it is constant (initializer or folded); undefined otherwise. */
  readonly constants: readonly (Tensor | undefined)[];
  readonly opset: number;
}

export interface ReverseContext extends OpContext {
  readonly outputShapes: readonly Shape[];
  /** Number of seeds reversed together; every gradient array holds batch × size(shape) values. */
  readonly batch: number;
  readonly mode: ReversalMode;
  /** Forward values at the reference input; present in every mode but `exact`. */
  readonly reference?: {
    readonly inputs: readonly (Tensor | undefined)[];
    readonly outputs: readonly Tensor[];
  };
  /** The reference tensors hold `batch` images, seed s linearised at image s (only ops with reversePerSeed see this). */
  readonly referencePerSeed?: boolean;
}

export interface OpDef {
  readonly type: string;
  readonly kind: OpKind;
  /** Overrides `kind` for one node (Mul by a constant is linear, Mul of two signals is not). */
  kindAt?(ctx: OpContext): OpKind;
  /**
   * For nonlinear nodes: whether the surrogate mode linearises this node at the reference
   * input because it has no linear counterpart (gates, Softmax, Erf). Default true.
   */
  linearisedInSurrogate?(ctx: OpContext): boolean;
  /**
   * Each output element depends only on the input elements at the same index (for inputs of
   * the output's shape): activations, BatchNormalization, Add/Sub/Mul/Div. Such a layer's
   * reversal can reuse the reversals of the layers feeding it (engine/reuse.ts).
   */
  readonly elementwise?: boolean;
  /**
   * Forward also runs on a batch of images stacked along axis 0, where the model's shapes
   * have a leading 1 (ctx.inputShapes then carry the batch): the batched forward
   * (forward-batch.ts) runs such a node once for all images instead of once per image.
   */
  batchFirst?(ctx: OpContext): boolean;
  /**
   * The modes whose rule at this node is positively homogeneous in the gradient but not linear
   * (deconvnet and guided at ReLU: relu(g)). Behind such a node a reversal is no combination of
   * other reversals, only a positive multiple of one (engine/reuse.ts).
   */
  readonly homogeneousIn?: readonly ReversalMode[];
  /** Every output, not only the first, is a layer (Split). */
  readonly everyOutputIsLayer?: boolean;
  inferShapes(ctx: OpContext): Shape[];
  forward(ctx: OpContext, inputs: readonly (Tensor | undefined)[]): Tensor[];
  /**
   * Vector–Jacobian product for `ctx.batch` seeds at once. gradOutputs[k] holds
   * batch × size(outputShapes[k]) values, C order, batch first (undefined: all zero).
   * Returns for each input batch × size(inputShape) values, or undefined for constant
   * and omitted inputs. May return an input array unchanged; must never write into one.
   */
  /** reverse reads the reference seed by seed when ctx.referencePerSeed is set (the batched ascent). */
  readonly reversePerSeed?: boolean;
  reverse?(ctx: ReverseContext, gradOutputs: readonly (Float32Array | undefined)[]): (Float32Array | undefined)[];
}

export function kindOf(op: OpDef, ctx: OpContext): OpKind {
  return op.kindAt ? op.kindAt(ctx) : op.kind;
}
