/**
 * The geometry of a window sliding over 1 to 3 spatial axes (convolution, pooling),
 * normalised to three axes (depth, height, width) by leading axes of size 1, so every
 * kernel has one code path. Input index along an axis: i = o·stride − padBegin + k·dilation.
 */
export type Triple = [number, number, number];

export interface WindowGeometry {
  readonly inShape: Triple;
  readonly outShape: Triple;
  readonly kernel: Triple;
  readonly strides: Triple;
  readonly dilations: Triple;
  readonly padsBegin: Triple;
  readonly inSize: number;
  readonly outSize: number;
  readonly kernelSize: number;
  /**
   * Per axis and kernel offset k, the output positions [lo[k], hi[k]) whose input index is
   * inside the input: the only ones a kernel visits, so inner loops need no bounds test.
   */
  readonly lo: readonly [Int32Array, Int32Array, Int32Array];
  readonly hi: readonly [Int32Array, Int32Array, Int32Array];
}

export interface WindowSpec {
  /** Spatial input dims (1 to 3 axes). */
  readonly inShape: readonly number[];
  readonly outShape: readonly number[];
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  /** May be negative (ConvTranspose with an output_shape larger than the natural one). */
  readonly padsBegin: readonly number[];
}

export function triple(values: readonly number[], fill: number): Triple {
  const out: Triple = [fill, fill, fill];
  const off = 3 - values.length;
  for (let i = 0; i < values.length; i++) out[off + i] = values[i];
  return out;
}

export function windowGeometry(spec: WindowSpec): WindowGeometry {
  if (spec.inShape.length < 1 || spec.inShape.length > 3) throw new Error(`windows over ${spec.inShape.length} spatial axes are not supported (1 to 3)`);
  const inShape = triple(spec.inShape, 1);
  const outShape = triple(spec.outShape, 1);
  const kernel = triple(spec.kernel, 1);
  const strides = triple(spec.strides, 1);
  const dilations = triple(spec.dilations, 1);
  const padsBegin = triple(spec.padsBegin, 0);
  const lo: [Int32Array, Int32Array, Int32Array] = [new Int32Array(kernel[0]), new Int32Array(kernel[1]), new Int32Array(kernel[2])];
  const hi: [Int32Array, Int32Array, Int32Array] = [new Int32Array(kernel[0]), new Int32Array(kernel[1]), new Int32Array(kernel[2])];
  for (let a = 0; a < 3; a++) {
    const s = strides[a];
    for (let k = 0; k < kernel[a]; k++) {
      const shift = k * dilations[a] - padsBegin[a];
      // o·s + shift ∈ [0, in)  ⇔  o ∈ [ceil(−shift / s), floor((in − 1 − shift) / s)]
      const first = Math.max(0, Math.ceil(-shift / s));
      const last = Math.min(outShape[a] - 1, Math.floor((inShape[a] - 1 - shift) / s));
      lo[a][k] = Math.min(first, outShape[a]);
      hi[a][k] = Math.max(lo[a][k], last + 1);
    }
  }
  return {
    inShape,
    outShape,
    kernel,
    strides,
    dilations,
    padsBegin,
    inSize: inShape[0] * inShape[1] * inShape[2],
    outSize: outShape[0] * outShape[1] * outShape[2],
    kernelSize: kernel[0] * kernel[1] * kernel[2],
    lo,
    hi,
  };
}

/**
 * The in-bounds part of a window, as runs: for each kernel offset k (row-major) and each
 * output row (od, oh) it reaches, output positions [lo, hi) of that row read the input row
 * at the same columns times the stride. Every window kernel walks this one list, in this
 * order (kernel offset outer), so they sum in the same order.
 */
export interface WindowRuns {
  readonly count: number;
  /** Kernel offset of the run (row-major over the three axes). */
  readonly k: Int32Array;
  /** In-plane input index read at output column 0 (may be outside the plane; only [lo, hi) is visited). */
  readonly input: Int32Array;
  /** In-plane output index of column 0 of the run's row. */
  readonly output: Int32Array;
  /** Output row oh and input row ih = oh·stride + shift of the run (within their depth slice). */
  readonly outRow: Int32Array;
  readonly inRow: Int32Array;
  /** Input column of output column 0: kw·dilation − padBegin. */
  readonly inCol: Int32Array;
  readonly lo: Int32Array;
  readonly hi: Int32Array;
}

const runsCache = new WeakMap<WindowGeometry, WindowRuns>();

export function windowRuns(g: WindowGeometry): WindowRuns {
  const cached = runsCache.get(g);
  if (cached) return cached;
  const [, inH, inW] = g.inShape;
  const [, outH, outW] = g.outShape;
  const [kD, kH, kW] = g.kernel;
  const [sD, sH] = g.strides;
  const [dD, dH, dW] = g.dilations;
  const [pD, pH, pW] = g.padsBegin;
  const [loD, loH, loW] = g.lo;
  const [hiD, hiH, hiW] = g.hi;
  let count = 0;
  for (let kd = 0; kd < kD; kd++) {
    for (let kh = 0; kh < kH; kh++) {
      for (let kw = 0; kw < kW; kw++) {
        if (loW[kw] < hiW[kw]) count += (hiD[kd] - loD[kd]) * (hiH[kh] - loH[kh]);
      }
    }
  }
  const runs: WindowRuns = {
    count,
    k: new Int32Array(count),
    input: new Int32Array(count),
    output: new Int32Array(count),
    outRow: new Int32Array(count),
    inRow: new Int32Array(count),
    inCol: new Int32Array(count),
    lo: new Int32Array(count),
    hi: new Int32Array(count),
  };
  let r = 0;
  for (let kd = 0, k = 0; kd < kD; kd++) {
    const shiftD = kd * dD - pD;
    for (let kh = 0; kh < kH; kh++) {
      const shiftH = kh * dH - pH;
      for (let kw = 0; kw < kW; kw++, k++) {
        if (loW[kw] >= hiW[kw]) continue;
        const shiftW = kw * dW - pW;
        for (let od = loD[kd]; od < hiD[kd]; od++) {
          const id = od * sD + shiftD;
          for (let oh = loH[kh]; oh < hiH[kh]; oh++, r++) {
            const ih = oh * sH + shiftH;
            runs.k[r] = k;
            runs.input[r] = (id * inH + ih) * inW + shiftW;
            runs.output[r] = (od * outH + oh) * outW;
            runs.outRow[r] = oh;
            runs.inRow[r] = ih;
            runs.inCol[r] = shiftW;
            runs.lo[r] = loW[kw];
            runs.hi[r] = hiW[kw];
          }
        }
      }
    }
  }
  runsCache.set(g, runs);
  return runs;
}
