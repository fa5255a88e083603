import { ModelError, type GraphNode } from '../graph';
import type { OpContext, OpDef, ReverseContext } from '../op';
import { scratchFloats, zeroedFloats } from '../kernels/scratch';
import { isFloat, tensorLike, type Tensor } from '../tensor';

/**
 * How the surrogate mode replaces an activation (DESIGN.md §1): a linear map of constant
 * slope (ReLU-like → 1, sigmoid → ¼ …), or, for ops with no linear counterpart, the
 * linearisation at the reference input (the same as the local mode).
 */
export type SurrogateRule<P> = { readonly slope: number | ((p: P) => number) } | 'linearise';

/** An op applied element by element to its first input; the other inputs are constant parameters. */
export interface ElementwiseRule<P> {
  readonly type: string;
  /** Reads attributes and constant inputs once per call. */
  params(ctx: OpContext): P;
  /** y at x; `i` is the element's flat index (PRelu's per-element slope). */
  value(x: number, p: P, i: number): number;
  /** dy/dx at x, given y = value(x), with PyTorch's conventions at kinks. */
  derivative(x: number, y: number, p: P, i: number): number;
  readonly surrogate: SurrogateRule<P>;
  /**
   * ReLU only: in the deconvnet and guided modes the gradient passes through
   * Captum's rule (deconvnet: relu(g); guided: relu(g)·(x0 > 0)) instead of the derivative.
   */
  readonly captumRelu?: boolean;
  /** The parameters hold one value per element of the input (PRelu's slope), so a batch of images cannot share them. */
  readonly perElementParams?: boolean;
  /**
   * y = value(x) over float32 values in one monomorphic loop: the batched forward runs
   * ReLU/ReLU6 over every x* of a layer, where the shared call to `value` was a sixth of
   * a MobileNetV2 surrogate gallery (issue 18, measured).
   */
  applyFloats?(x: Float32Array, y: Float32Array, p: P): void;
}

export function requireReference(ctx: ReverseContext): NonNullable<ReverseContext['reference']> {
  if (ctx.mode === 'exact') {
    throw new ModelError(`node "${ctx.node.name}" (${ctx.node.opType}) is nonlinear; the exact mode reverses linear networks only`);
  }
  if (!ctx.reference) throw new ModelError(`node "${ctx.node.name}" (${ctx.node.opType}): the ${ctx.mode} mode needs the forward values at a reference input`);
  return ctx.reference;
}

const derivatives = new WeakMap<Tensor, WeakMap<GraphNode, Float64Array>>();

/**
 * A node's derivative at a reference tensor, kept while the tensor lives. Keyed by the Tensor
 * object, not its array: a forward pass that recycles arrays (the ascent's) makes new Tensors.
 */
function derivativeAt(x0: Tensor, node: GraphNode, make: () => Float64Array): Float64Array {
  let byNode = derivatives.get(x0);
  if (!byNode) derivatives.set(x0, (byNode = new WeakMap()));
  let d = byNode.get(node);
  if (!d) byNode.set(node, (d = make()));
  return d;
}

/** Multiplies each of `batch` gradients by the same per-element factors. */
export function scaleBatch(g: Float32Array, factors: Float32Array | Float64Array, batch: number): Float32Array {
  const n = factors.length;
  // Every value is written: no zeroing (a gate in guided or local mode runs over whole maps of every seed).
  const out = scratchFloats(g.length);
  for (let s = 0; s < batch; s++) {
    const o = s * n;
    for (let i = 0; i < n; i++) out[o + i] = g[o + i] * factors[i];
  }
  return out;
}

export function elementwise<P>(rule: ElementwiseRule<P>): OpDef {
  return {
    type: rule.type,
    kind: 'nonlinear',
    elementwise: true,
    ...(rule.captumRelu && { homogeneousIn: ['deconvnet', 'guided'] as const }),
    linearisedInSurrogate: () => rule.surrogate === 'linearise',
    batchFirst: () => !rule.perElementParams,
    reversePerSeed: true,
    inferShapes(ctx) {
      const shape = ctx.inputShapes[0];
      if (!shape) throw new ModelError(`node "${ctx.node.name}" (${rule.type}): missing input`);
      rule.params(ctx); // validates attributes and constant inputs before anything runs
      return [[...shape]];
    },
    forward(ctx, inputs) {
      const x = inputs[0] as Tensor;
      const p = rule.params(ctx);
      if (rule.applyFloats && x.data instanceof Float32Array) {
        const y = scratchFloats(x.data.length);
        rule.applyFloats(x.data, y, p);
        return [tensorLike(x, x.shape, y)];
      }
      // Integer inputs (Clip in shape arithmetic) keep their type.
      const y = isFloat(x) ? new Float32Array(x.data.length) : new Float64Array(x.data.length);
      for (let i = 0; i < y.length; i++) y[i] = rule.value(x.data[i], p, i);
      return [tensorLike(x, x.shape, y)];
    },
    reverse(ctx, [gy]) {
      // Only the first input varies; the others (PRelu's slope, Clip's bounds) are constant.
      const out: (Float32Array | undefined)[] = ctx.node.inputs.map(() => undefined);
      if (!gy) return out;
      if (ctx.mode === 'surrogate' && rule.surrogate !== 'linearise') {
        const given = rule.surrogate.slope;
        const slope = typeof given === 'number' ? given : given(rule.params(ctx));
        out[0] = slope === 1 ? gy : gy.map((v) => v * slope);
        return out;
      }
      const ref = requireReference(ctx);
      const x0 = ref.inputs[0]!.data;
      // One reference image for every seed, or (referencePerSeed) one per seed.
      const n = ctx.referencePerSeed ? x0.length / ctx.batch : x0.length;
      if (rule.captumRelu && ctx.mode === 'local') {
        // ReLU's local rule is a gate (relu'(x0) is 1 or 0): no per-element derivative call, no factor array.
        const g = zeroedFloats(gy.length);
        for (let s = 0; s < ctx.batch; s++) {
          const r = ctx.referencePerSeed ? s * n : 0;
          for (let i = 0; i < n; i++) if (x0[r + i] > 0) g[s * n + i] = gy[s * n + i];
        }
        out[0] = g;
        return out;
      }
      if (rule.captumRelu && (ctx.mode === 'deconvnet' || ctx.mode === 'guided')) {
        const g = zeroedFloats(gy.length);
        const guided = ctx.mode === 'guided';
        for (let s = 0; s < ctx.batch; s++) {
          const r = ctx.referencePerSeed ? s * n : 0;
          for (let i = 0; i < n; i++) {
            const v = gy[s * n + i];
            g[s * n + i] = v > 0 && (!guided || x0[r + i] > 0) ? v : 0;
          }
        }
        out[0] = g;
        return out;
      }
      const derivative = (): Float64Array => {
        const y0 = ref.outputs[0].data;
        const p = rule.params(ctx);
        const d = new Float64Array(x0.length);
        for (let i = 0; i < d.length; i++) d[i] = rule.derivative(x0[i], y0[i], p, i % n);
        return d;
      };
      // One reference for every seed: the factors are the node's at that reference, made once (reversals of every chunk and layer read them).
      const d = ctx.referencePerSeed ? derivative() : derivativeAt(ref.inputs[0]!, ctx.node, derivative);
      out[0] = scaleBatch(gy, d, ctx.referencePerSeed ? 1 : ctx.batch);
      return out;
    },
  };
}
