import type { WindowGeometry } from './window';

/**
 * im2col: lays the windows of `channels` input planes out as a matrix with one row per
 * (channel, kernel offset) and one column per output position, so a convolution becomes
 * one GEMM. Row r of the matrix starts at colsOff + r·rowStride (rowStride ≥ outSize lets
 * several images share a matrix side by side).
 *
 * Only in-bounds entries are written: the padding entries sit at the same places for every
 * call with the same geometry, so a buffer zeroed once stays correct when reused.
 */
export function im2col(
  g: WindowGeometry,
  channels: number,
  x: Float32Array, xOff: number,
  cols: Float32Array, colsOff: number, rowStride: number,
): void {
  const [, inH, inW] = g.inShape;
  const [, outH, outW] = g.outShape;
  const [kD, kH, kW] = g.kernel;
  const [sD, sH, sW] = g.strides;
  const [dD, dH, dW] = g.dilations;
  const [pD, pH, pW] = g.padsBegin;
  const [loD, loH, loW] = g.lo;
  const [hiD, hiH, hiW] = g.hi;
  let row = colsOff;
  for (let c = 0; c < channels; c++) {
    const plane = xOff + c * g.inSize;
    for (let kd = 0; kd < kD; kd++) {
      const shiftD = kd * dD - pD;
      for (let kh = 0; kh < kH; kh++) {
        const shiftH = kh * dH - pH;
        for (let kw = 0; kw < kW; kw++, row += rowStride) {
          const l = loW[kw];
          const h = hiW[kw];
          if (l >= h) continue;
          const shiftW = kw * dW - pW;
          for (let od = loD[kd]; od < hiD[kd]; od++) {
            const id = od * sD + shiftD;
            for (let oh = loH[kh]; oh < hiH[kh]; oh++) {
              const src = plane + (id * inH + oh * sH + shiftH) * inW + shiftW;
              const dst = row + (od * outH + oh) * outW;
              if (sW === 1) {
                for (let ow = l; ow < h; ow++) cols[dst + ow] = x[src + ow];
              } else {
                for (let ow = l; ow < h; ow++) cols[dst + ow] = x[src + ow * sW];
              }
            }
          }
        }
      }
    }
  }
}

/** col2im: the transpose of im2col; adds every in-bounds entry of the matrix into its input position. */
export function col2im(
  g: WindowGeometry,
  channels: number,
  cols: Float32Array, colsOff: number, rowStride: number,
  x: Float32Array, xOff: number,
): void {
  const [, inH, inW] = g.inShape;
  const [, outH, outW] = g.outShape;
  const [kD, kH, kW] = g.kernel;
  const [sD, sH, sW] = g.strides;
  const [dD, dH, dW] = g.dilations;
  const [pD, pH, pW] = g.padsBegin;
  const [loD, loH, loW] = g.lo;
  const [hiD, hiH, hiW] = g.hi;
  let row = colsOff;
  for (let c = 0; c < channels; c++) {
    const plane = xOff + c * g.inSize;
    for (let kd = 0; kd < kD; kd++) {
      const shiftD = kd * dD - pD;
      for (let kh = 0; kh < kH; kh++) {
        const shiftH = kh * dH - pH;
        for (let kw = 0; kw < kW; kw++, row += rowStride) {
          const l = loW[kw];
          const h = hiW[kw];
          if (l >= h) continue;
          const shiftW = kw * dW - pW;
          for (let od = loD[kd]; od < hiD[kd]; od++) {
            const id = od * sD + shiftD;
            for (let oh = loH[kh]; oh < hiH[kh]; oh++) {
              const dst = plane + (id * inH + oh * sH + shiftH) * inW + shiftW;
              const src = row + (od * outH + oh) * outW;
              if (sW === 1) {
                for (let ow = l; ow < h; ow++) x[dst + ow] += cols[src + ow];
              } else {
                for (let ow = l; ow < h; ow++) x[dst + ow * sW] += cols[src + ow];
              }
            }
          }
        }
      }
    }
  }
}
