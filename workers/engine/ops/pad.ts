import { attrNumber, attrNumbers, attrString } from '../graph';
import type { OpContext, OpDef } from '../op';
import { formatShape, sizeOf, stridesOf, toNumbers, type Tensor } from '../tensor';
import { fail } from './conv-geometry';

/**
 * Pad (ONNX Operators.md#Pad): pads from the attribute (opset < 11) or the second input,
 * optional axes (opset 18), modes constant, reflect, edge and wrap; negative pads crop.
 * Every output element is a copy of one input element or the constant, so the op is linear
 * (affine for a nonzero constant) and its reversal sums each output gradient into its source.
 */
type Mode = 'constant' | 'reflect' | 'edge' | 'wrap';

interface PadPlan {
  readonly inShape: readonly number[];
  readonly outShape: number[];
  /** Per output element along the last axis, the source index (-1: the constant). */
  readonly lastMap: Int32Array;
  /** Per output row (all axes but the last), the offset of its source row (-1: all constant). */
  readonly rowSource: Int32Array;
  readonly value: number;
}

function modeOf(ctx: OpContext): Mode {
  const m = attrString(ctx.node, 'mode', 'constant');
  if (m === 'constant' || m === 'reflect' || m === 'edge' || m === 'wrap') return m;
  return fail(ctx, `mode "${m}" is not one of constant, reflect, edge, wrap`);
}

/** Values of input i: the one given to forward, else the constant. */
function inputValues(ctx: OpContext, inputs: readonly (Tensor | undefined)[] | undefined, i: number, what: string): number[] | undefined {
  if (!ctx.node.inputs[i]) return undefined;
  const t = inputs?.[i] ?? ctx.constants[i];
  if (!t) fail(ctx, `${what} must be constant`);
  return toNumbers(t);
}

function padsOf(ctx: OpContext, rank: number, inputs?: readonly (Tensor | undefined)[]): number[] {
  const pads = inputValues(ctx, inputs, 1, 'pads') ?? attrNumbers(ctx.node, 'pads', undefined) ?? attrNumbers(ctx.node, 'paddings', undefined);
  if (!pads) fail(ctx, 'pads are missing');
  const axesValues = inputValues(ctx, inputs, 3, 'axes');
  const axes = axesValues ? axesValues.map((a) => (a < 0 ? a + rank : a)) : [...Array(rank).keys()];
  if (axes.some((a) => !Number.isInteger(a) || a < 0 || a >= rank)) fail(ctx, `axes [${axesValues!.join(', ')}] out of range for rank ${rank}`);
  if (pads.length !== 2 * axes.length) fail(ctx, `pads has ${pads.length} values; ${2 * axes.length} expected for ${axes.length} axes`);
  if (pads.some((p) => !Number.isInteger(p))) fail(ctx, `pads must be integers, got [${pads.join(', ')}]`);
  const full = new Array<number>(2 * rank).fill(0);
  axes.forEach((a, i) => {
    full[a] = pads![i];
    full[rank + a] = pads![axes.length + i];
  });
  return full;
}

function constantOf(ctx: OpContext, inputs?: readonly (Tensor | undefined)[]): number {
  const v = inputValues(ctx, inputs, 2, 'constant_value');
  if (v) return v.length > 0 ? v[0] : 0;
  return attrNumber(ctx.node, 'value', 0);
}

/** Source index along one axis of size n for padded position i (relative to the input's start). */
function sourceIndex(i: number, n: number, mode: Mode): number {
  if (i >= 0 && i < n) return i;
  if (mode === 'constant') return -1;
  if (mode === 'edge') return i < 0 ? 0 : n - 1;
  if (mode === 'wrap') return ((i % n) + n) % n;
  if (n === 1) return 0;
  // reflect (numpy): mirror about the first and last elements, with period 2(n − 1).
  const period = 2 * (n - 1);
  const r = ((i % period) + period) % period;
  return r < n ? r : period - r;
}

function plan(ctx: OpContext, inputs?: readonly (Tensor | undefined)[]): PadPlan {
  const inShape = ctx.inputShapes[0];
  if (!inShape) fail(ctx, 'input data is missing');
  const rank = inShape.length;
  const pads = padsOf(ctx, rank, inputs);
  const mode = modeOf(ctx);
  const outShape = inShape.map((d, a) => d + pads[a] + pads[rank + a]);
  if (outShape.some((d) => d < 0)) fail(ctx, `pads [${pads.join(', ')}] crop more than the input ${formatShape(inShape)} holds`);
  const maps = inShape.map((n, a) => {
    // Crop first, then pad what is left (numpy.pad semantics after slicing).
    const cropBegin = Math.max(0, -pads[a]);
    const kept = n - cropBegin - Math.max(0, -pads[rank + a]);
    if (kept < 0) fail(ctx, `pads [${pads.join(', ')}] crop more than axis ${a} (size ${n}) holds`);
    if (kept === 0 && mode !== 'constant' && outShape[a] > 0) fail(ctx, `cannot ${mode}-pad axis ${a}: nothing is left of it`);
    const grow = Math.max(0, pads[a]);
    const map = new Int32Array(outShape[a]);
    for (let o = 0; o < outShape[a]; o++) {
      const i = sourceIndex(o - grow, kept, mode);
      map[o] = i < 0 ? -1 : cropBegin + i;
    }
    return map;
  });
  if (rank === 0) return { inShape, outShape, lastMap: Int32Array.of(0), rowSource: Int32Array.of(0), value: constantOf(ctx, inputs) };
  const inStrides = stridesOf(inShape);
  const rows = sizeOf(outShape.slice(0, -1));
  const rowSource = new Int32Array(rows);
  const outer = outShape.slice(0, -1);
  const index = new Array<number>(outer.length).fill(0);
  for (let r = 0; r < rows; r++) {
    let src = 0;
    for (let a = 0; a < outer.length; a++) {
      const m = maps[a][index[a]];
      if (m < 0) {
        src = -1;
        break;
      }
      src += m * inStrides[a];
    }
    rowSource[r] = src;
    for (let a = outer.length - 1; a >= 0; a--) {
      if (++index[a] < outer[a]) break;
      index[a] = 0;
    }
  }
  return { inShape, outShape, lastMap: maps[rank - 1], rowSource, value: constantOf(ctx, inputs) };
}

export const padOp: OpDef = {
  type: 'Pad',
  kind: 'linear',
  inferShapes: (ctx) => [plan(ctx).outShape],
  forward(ctx, inputs) {
    const p = plan(ctx, inputs);
    const x = inputs[0] as Tensor;
    const width = p.lastMap.length;
    const y = x.data instanceof Float32Array ? new Float32Array(p.rowSource.length * width) : new Float64Array(p.rowSource.length * width);
    if (p.value !== 0) y.fill(p.value);
    for (let r = 0; r < p.rowSource.length; r++) {
      const src = p.rowSource[r];
      if (src < 0) continue;
      const dst = r * width;
      for (let o = 0; o < width; o++) {
        const m = p.lastMap[o];
        if (m >= 0) y[dst + o] = x.data[src + m];
      }
    }
    return [{ dtype: x.dtype, shape: p.outShape, data: y }];
  },
  reverse(ctx, [gy]) {
    if (!gy) return [undefined];
    const p = plan(ctx);
    const width = p.lastMap.length;
    const outSize = p.rowSource.length * width;
    const inSize = sizeOf(p.inShape);
    const gx = new Float32Array(ctx.batch * inSize);
    for (let s = 0; s < ctx.batch; s++) {
      const gyOff = s * outSize;
      const gxOff = s * inSize;
      for (let r = 0; r < p.rowSource.length; r++) {
        const src = p.rowSource[r];
        if (src < 0) continue;
        const base = gxOff + src;
        const dst = gyOff + r * width;
        for (let o = 0; o < width; o++) {
          const m = p.lastMap[o];
          if (m >= 0) gx[base + m] += gy[dst + o];
        }
      }
    }
    return [gx];
  },
};
