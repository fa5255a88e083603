import { windowRuns, type WindowGeometry } from './window-geometry';

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
  columnPass(g, channels, x, xOff, cols, colsOff, rowStride, false);
}

/** col2im: the transpose of im2col; adds every in-bounds entry of the matrix into its input position. */
export function col2im(
  g: WindowGeometry,
  channels: number,
  cols: Float32Array, colsOff: number, rowStride: number,
  x: Float32Array, xOff: number,
): void {
  columnPass(g, channels, x, xOff, cols, colsOff, rowStride, true);
}

/** The walk im2col and col2im share: matrix entry (row, column) ↔ input position, copied forward or added back. */
function columnPass(
  g: WindowGeometry,
  channels: number,
  x: Float32Array, xOff: number,
  cols: Float32Array, colsOff: number, rowStride: number,
  back: boolean,
): void {
  const runs = windowRuns(g);
  const sW = g.strides[2];
  for (let c = 0; c < channels; c++) {
    const plane = xOff + c * g.inSize;
    const rows = colsOff + c * g.kernelSize * rowStride;
    for (let r = 0; r < runs.count; r++) {
      const at = plane + runs.input[r];
      const entry = rows + runs.k[r] * rowStride + runs.output[r];
      const l = runs.lo[r];
      const h = runs.hi[r];
      if (back && sW === 1) {
        for (let ow = l; ow < h; ow++) x[at + ow] += cols[entry + ow];
      } else if (back) {
        for (let ow = l; ow < h; ow++) x[at + ow * sW] += cols[entry + ow];
      } else if (sW === 1) {
        for (let ow = l; ow < h; ow++) cols[entry + ow] = x[at + ow];
      } else {
        for (let ow = l; ow < h; ow++) cols[entry + ow] = x[at + ow * sW];
      }
    }
  }
}
