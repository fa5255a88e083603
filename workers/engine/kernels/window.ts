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

function triple(values: readonly number[], fill: number): Triple {
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
 * Depthwise window product of one plane: y[o] (+)= Σ_k w[k] · x[i(o, k)] over in-bounds k.
 * Kernel-offset outer, output-row inner: each pass streams one row of y and one of x.
 */
export function windowAccumulate(
  g: WindowGeometry,
  x: Float32Array, xOff: number,
  w: Float32Array, wOff: number,
  y: Float32Array, yOff: number,
): void {
  const [, inH, inW] = g.inShape;
  const [, outH, outW] = g.outShape;
  const [kD, kH, kW] = g.kernel;
  const [sD, sH, sW] = g.strides;
  const [dD, dH, dW] = g.dilations;
  const [pD, pH, pW] = g.padsBegin;
  const [loD, loH, loW] = g.lo;
  const [hiD, hiH, hiW] = g.hi;
  let k = wOff;
  for (let kd = 0; kd < kD; kd++) {
    const shiftD = kd * dD - pD;
    for (let kh = 0; kh < kH; kh++) {
      const shiftH = kh * dH - pH;
      for (let kw = 0; kw < kW; kw++, k++) {
        const wv = w[k];
        const l = loW[kw];
        const h = hiW[kw];
        if (wv === 0 || l >= h) continue;
        const shiftW = kw * dW - pW;
        for (let od = loD[kd]; od < hiD[kd]; od++) {
          const id = od * sD + shiftD;
          for (let oh = loH[kh]; oh < hiH[kh]; oh++) {
            const src = xOff + (id * inH + oh * sH + shiftH) * inW + shiftW;
            const dst = yOff + (od * outH + oh) * outW;
            if (sW === 1) {
              for (let ow = l; ow < h; ow++) y[dst + ow] += wv * x[src + ow];
            } else {
              for (let ow = l; ow < h; ow++) y[dst + ow] += wv * x[src + ow * sW];
            }
          }
        }
      }
    }
  }
}

/** The transpose of windowAccumulate: gx[i(o, k)] += Σ w[k] · gy[o]. */
export function windowAccumulateTransposed(
  g: WindowGeometry,
  gy: Float32Array, gyOff: number,
  w: Float32Array, wOff: number,
  gx: Float32Array, gxOff: number,
): void {
  const [, inH, inW] = g.inShape;
  const [, outH, outW] = g.outShape;
  const [kD, kH, kW] = g.kernel;
  const [sD, sH, sW] = g.strides;
  const [dD, dH, dW] = g.dilations;
  const [pD, pH, pW] = g.padsBegin;
  const [loD, loH, loW] = g.lo;
  const [hiD, hiH, hiW] = g.hi;
  let k = wOff;
  for (let kd = 0; kd < kD; kd++) {
    const shiftD = kd * dD - pD;
    for (let kh = 0; kh < kH; kh++) {
      const shiftH = kh * dH - pH;
      for (let kw = 0; kw < kW; kw++, k++) {
        const wv = w[k];
        const l = loW[kw];
        const h = hiW[kw];
        if (wv === 0 || l >= h) continue;
        const shiftW = kw * dW - pW;
        for (let od = loD[kd]; od < hiD[kd]; od++) {
          const id = od * sD + shiftD;
          for (let oh = loH[kh]; oh < hiH[kh]; oh++) {
            const dst = gxOff + (id * inH + oh * sH + shiftH) * inW + shiftW;
            const src = gyOff + (od * outH + oh) * outW;
            if (sW === 1) {
              for (let ow = l; ow < h; ow++) gx[dst + ow] += wv * gy[src + ow];
            } else {
              for (let ow = l; ow < h; ow++) gx[dst + ow * sW] += wv * gy[src + ow];
            }
          }
        }
      }
    }
  }
}

/**
 * Per output position, how many window elements count: those inside the input
 * (excludePad), or those inside the padded extent [−padBegin, in + padEnd) (a ceil_mode
 * window reaching past the end padding counts only up to it, as PyTorch does).
 */
export function windowCounts(g: WindowGeometry, padsEnd: readonly number[], includePad: boolean): Float64Array {
  const axisCounts: Float64Array[] = [];
  const end = triple(padsEnd, 0);
  for (let a = 0; a < 3; a++) {
    const counts = new Float64Array(g.outShape[a]);
    for (let o = 0; o < g.outShape[a]; o++) {
      for (let k = 0; k < g.kernel[a]; k++) {
        const i = o * g.strides[a] - g.padsBegin[a] + k * g.dilations[a];
        const inside = includePad ? i >= -g.padsBegin[a] && i < g.inShape[a] + end[a] : i >= 0 && i < g.inShape[a];
        if (inside) counts[o]++;
      }
    }
    axisCounts.push(counts);
  }
  const [cD, cH, cW] = axisCounts;
  const out = new Float64Array(g.outSize);
  let p = 0;
  for (let od = 0; od < g.outShape[0]; od++) {
    for (let oh = 0; oh < g.outShape[1]; oh++) {
      const dh = cD[od] * cH[oh];
      for (let ow = 0; ow < g.outShape[2]; ow++) out[p++] = dh * cW[ow];
    }
  }
  return out;
}

/**
 * Per output position of one plane, the in-plane index of the window's largest element
 * (-1 for a window with no element inside the input). Kernel offsets are visited in
 * row-major window order and only a strictly larger value (or a NaN) replaces the best,
 * so ties go to the first element, as in PyTorch.
 */
export function windowArgmax(g: WindowGeometry, x: Float32Array, xOff: number, best: Float32Array, arg: Int32Array): void {
  const [, inH, inW] = g.inShape;
  const [, outH, outW] = g.outShape;
  const [kD, kH, kW] = g.kernel;
  const [sD, sH, sW] = g.strides;
  const [dD, dH, dW] = g.dilations;
  const [pD, pH, pW] = g.padsBegin;
  const [loD, loH, loW] = g.lo;
  const [hiD, hiH, hiW] = g.hi;
  arg.fill(-1);
  for (let kd = 0; kd < kD; kd++) {
    const shiftD = kd * dD - pD;
    for (let kh = 0; kh < kH; kh++) {
      const shiftH = kh * dH - pH;
      for (let kw = 0; kw < kW; kw++) {
        const l = loW[kw];
        const h = hiW[kw];
        const shiftW = kw * dW - pW;
        for (let od = loD[kd]; od < hiD[kd]; od++) {
          const id = od * sD + shiftD;
          for (let oh = loH[kh]; oh < hiH[kh]; oh++) {
            const src = (id * inH + oh * sH + shiftH) * inW + shiftW;
            const dst = (od * outH + oh) * outW;
            for (let ow = l; ow < h; ow++) {
              const i = src + ow * sW;
              const v = x[xOff + i];
              const o = dst + ow;
              if (v > best[o] || arg[o] < 0 || v !== v) {
                best[o] = v;
                arg[o] = i;
              }
            }
          }
        }
      }
    }
  }
}
