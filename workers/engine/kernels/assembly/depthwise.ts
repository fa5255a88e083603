// AssemblyScript (compiled to WebAssembly by build/build-wasm.mjs, not by tsc).
// Depthwise window products over 2-D planes in single precision, any kernel, stride,
// dilation and padding (negative too: cropped geometries have it). Each plane is first
// copied into a zero-bordered scratch laid out so that every kernel offset reads a
// contiguous run of the row it feeds: then an output row is, per four outputs, one f32x4
// sum over the taps (pointer, weight) that reach it, stored once, with no bounds test.
//   forward:    y[o] = Σ_k w[k] · x[o·s − p + k·d]      (stride: the scratch holds each
//               input row as `s` column phases, so a tap reads consecutive floats)
//   transposed: gx[i] = Σ_k w[k] · gy[(i + p − k·d) / s] where it divides (the scratch
//               holds each gy row with s − 1 zeros between columns; rows are picked exactly)
// Host layout in bytes: [0, HEADER_BYTES) the tap list and the window's geometry, then
// whatever the host places.

/** The most taps (kernel offsets × planes summed) one output row may have. */
export const MAX_TAPS: i32 = 2048;
const TAP_WEIGHTS: usize = <usize>MAX_TAPS * 4;
/**
 * Fifteen i32 (the host writes them): inH, inW, outH, outW, kH, kW, sH, sW, dH, dW, pH, pW,
 * then where transposed() reads gy's planes: their row length, their size and the offset of
 * (0, 0) in them (a box inside larger planes).
 */
export const GEOMETRY: i32 = MAX_TAPS * 8;
/** Where nonzeroBox() writes. */
export const BOX: i32 = GEOMETRY + 64;
export const HEADER_BYTES: i32 = BOX + 16;

@inline
function geometry(index: i32): i32 {
  return load<i32>(<usize>(GEOMETRY + 4 * index));
}

/** Floats of forward scratch per plane: inH rows × s phases × rowLength. */
function forwardRowLength(outW: i32, kW: i32, sW: i32, dW: i32, pW: i32): i32 {
  const shift = phaseShift(sW, pW);
  return ((outW + 3) & ~3) + ((kW - 1) * dW - pW + shift) / sW;
}

/** A multiple of the stride at least the padding, so every column offset k·d − p + shift is ≥ 0. */
function phaseShift(sW: i32, pW: i32): i32 {
  return pW > 0 ? ((pW + sW - 1) / sW) * sW : 0;
}

export function forwardScratchFloats(inH: i32, outW: i32, kW: i32, sW: i32, dW: i32, pW: i32): i32 {
  return inH * sW * forwardRowLength(outW, kW, sW, dW, pW);
}

export function transposedScratchFloats(mg: i32, outH: i32, inW: i32, kW: i32, dW: i32): i32 {
  return mg * outH * (((inW + 3) & ~3) + (kW - 1) * dW);
}

/**
 * y planes (images × maps, outH × outW) = the window product of x planes (images ×
 * channels, inH × inW) with w (maps × kH × kW); output map m reads input channel m / mg.
 */
export function forward(planes: i32, channels: i32, maps: i32, mg: i32, x: usize, w: usize, y: usize, scratch: usize): void {
  const inH = geometry(0), inW = geometry(1), outH = geometry(2), outW = geometry(3), kH = geometry(4), kW = geometry(5);
  const sH = geometry(6), sW = geometry(7), dH = geometry(8), dW = geometry(9), pH = geometry(10), pW = geometry(11);
  const shift = phaseShift(sW, pW);
  const rowLength = forwardRowLength(outW, kW, sW, dW, pW);
  const inPlane = inH * inW;
  const outPlane = outH * outW;
  const K = kH * kW;
  let lastInput = -1;
  for (let plane = 0; plane < planes; plane++) {
    const n = plane / maps;
    const m = plane - n * maps;
    const input = n * channels + m / mg;
    if (input !== lastInput) {
      // Phase q of row r: scratch[(r·s + q)·rowLength + t] = x[r][t·s + q − shift], zero outside.
      const src = x + (<usize>(input * inPlane) << 2);
      for (let r = 0; r < inH; r++) {
        for (let q = 0; q < sW; q++) {
          const dst = scratch + (<usize>((r * sW + q) * rowLength) << 2);
          // t covers columns [0, inW) for t ∈ [lo, hi).
          const lo = min(rowLength, max(0, (shift - q + sW - 1) / sW));
          const hi = max(lo, min(rowLength, (inW - 1 + shift - q) / sW + 1));
          zeroFloats(dst, lo);
          const from = src + (<usize>(r * inW + lo * sW + q - shift) << 2);
          if (sW === 1) copyFloats(dst + (<usize>lo << 2), from, hi - lo);
          else for (let t = lo; t < hi; t++) store<f32>(dst + (<usize>t << 2), load<f32>(from + (<usize>((t - lo) * sW) << 2)));
          zeroFloats(dst + (<usize>hi << 2), rowLength - hi);
        }
      }
      lastInput = input;
    }
    const wm = w + (<usize>(m * K) << 2);
    for (let oh = 0; oh < outH; oh++) {
      let taps = 0;
      for (let kh = 0; kh < kH; kh++) {
        const ih = oh * sH + kh * dH - pH;
        if (ih < 0 || ih >= inH) continue;
        for (let kw = 0; kw < kW; kw++) {
          const c = kw * dW - pW + shift;
          const q = c % sW;
          const a = c / sW;
          store<u32>(<usize>taps << 2, <u32>(scratch + (<usize>((ih * sW + q) * rowLength + a) << 2)));
          store<f32>(TAP_WEIGHTS + (<usize>taps << 2), load<f32>(wm + (<usize>(kh * kW + kw) << 2)));
          taps++;
        }
      }
      sumTaps(y + (<usize>(plane * outPlane + oh * outW) << 2), outW, taps);
    }
  }
}

/** Planes of at most this many output rows and columns take forwardAcross() instead of forward(). */
export const ACROSS_WIDTH: i32 = 8;

/** Floats of forwardAcross() scratch: 4 lanes of a plane and of W, then the tap table (i32). */
export function acrossScratchFloats(inPlane: i32, K: i32, outPlane: i32): i32 {
  return 4 * inPlane + 4 * K + outPlane + 1 + 2 * outPlane * K;
}

/**
 * forward() for small planes, where a row is too short to fill f32x4 and per-plane set-up
 * dominates: four maps in the lanes of one f32x4, each output position one sum over the taps
 * that reach it. The tap table (which input position, which weight, per output position) is
 * the same for every plane, so it is built once per call; each group of four maps interleaves
 * its weights once and then each image's four input planes.
 */
export function forwardAcross(images: i32, channels: i32, maps: i32, mg: i32, x: usize, w: usize, y: usize, scratch: usize): void {
  const inH = geometry(0), inW = geometry(1), outH = geometry(2), outW = geometry(3), kH = geometry(4), kW = geometry(5);
  const inPlane = inH * inW;
  const outPlane = outH * outW;
  const K = kH * kW;
  tapTable(scratch, inPlane, outH, outW, inH, inW, false);
  for (let m0 = 0; m0 < maps; m0 += 4) {
    const lanes = min(4, maps - m0);
    interleaveWeights(scratch + (<usize>inPlane << 4), w, m0, lanes, K);
    for (let n = 0; n < images; n++) {
      for (let j = 0; j < lanes; j++) {
        const src = x + (<usize>((n * channels + (m0 + j) / mg) * inPlane) << 2);
        for (let i = 0; i < inPlane; i++) store<f32>(scratch + (<usize>i << 4) + (<usize>j << 2), load<f32>(src + (<usize>i << 2)));
      }
      sumAcross(scratch, inPlane, K, outPlane, y + (<usize>((n * maps + m0) * outPlane) << 2), lanes);
    }
  }
}

/**
 * gx planes (images × channels, inH × inW) = the transpose of forward() applied to gy
 * planes (images × maps, outH × outW): channel c sums its mg maps.
 */
export function transposed(planes: i32, channels: i32, maps: i32, mg: i32, gy: usize, w: usize, gx: usize, scratch: usize): void {
  const inH = geometry(0), inW = geometry(1), outH = geometry(2), outW = geometry(3), kH = geometry(4), kW = geometry(5);
  const sH = geometry(6), sW = geometry(7), dH = geometry(8), dW = geometry(9), pH = geometry(10), pW = geometry(11);
  const srcW = geometry(12), srcPlane = geometry(13), srcAt = geometry(14);
  const reach = (kW - 1) * dW;
  const rowLength = ((inW + 3) & ~3) + reach;
  const low = pW - reach;
  const inPlane = inH * inW;
  const K = kH * kW;
  for (let plane = 0; plane < planes; plane++) {
    const n = plane / channels;
    const c = plane - n * channels;
    // Map j's rows, spread: scratch[(j·outH + oh)·rowLength + ow·s − low] = gy[oh][ow], zeros between.
    memory.fill(scratch, 0, <usize>(mg * outH * rowLength) << 2);
    // ow covers t ∈ [0, rowLength) for ow ∈ [lo, hi).
    const lo = min(outW, max(0, (low + sW - 1) / sW));
    const hi = max(lo, min(outW, (rowLength - 1 + low) / sW + 1));
    for (let j = 0; j < mg; j++) {
      const src = gy + (<usize>((n * maps + c * mg + j) * srcPlane + srcAt) << 2);
      for (let oh = 0; oh < outH; oh++) {
        const dst = scratch + (<usize>((j * outH + oh) * rowLength + lo * sW - low) << 2);
        const from = src + (<usize>(oh * srcW) << 2);
        if (sW === 1) copyFloats(dst, from + (<usize>lo << 2), hi - lo);
        else for (let ow = lo; ow < hi; ow++) store<f32>(dst + (<usize>((ow - lo) * sW) << 2), load<f32>(from + (<usize>ow << 2)));
      }
    }
    for (let ih = 0; ih < inH; ih++) {
      let taps = 0;
      for (let j = 0; j < mg; j++) {
        const wm = w + (<usize>((c * mg + j) * K) << 2);
        for (let kh = 0; kh < kH; kh++) {
          const at = ih + pH - kh * dH;
          if (at < 0) continue;
          const oh = at / sH;
          if (oh * sH !== at || oh >= outH) continue;
          const row = scratch + (<usize>((j * outH + oh) * rowLength) << 2);
          for (let kw = 0; kw < kW; kw++) {
            store<u32>(<usize>taps << 2, <u32>(row + (<usize>(reach - kw * dW) << 2)));
            store<f32>(TAP_WEIGHTS + (<usize>taps << 2), load<f32>(wm + (<usize>(kh * kW + kw) << 2)));
            taps++;
          }
        }
      }
      sumTaps(gx + (<usize>(plane * inPlane + ih * inW) << 2), inW, taps);
    }
  }
}

/** Floats of transposedAcross() scratch: 4 lanes of a gy box and of W, then the tap table (i32). */
export function transposedAcrossScratchFloats(boxPlane: i32, K: i32, inPlane: i32): i32 {
  return 4 * boxPlane + 4 * K + inPlane + 1 + 2 * inPlane * K;
}

/**
 * transposed() for small planes with one map per channel (depthwise), where a row of gx is
 * too short to fill f32x4 and per-plane set-up dominates: four channels in the lanes of one
 * f32x4, each gx position one sum over the taps whose output it feeds, in transposed()'s
 * order (kh, then kw), skipping only outputs outside gy's box (zeros). The tap table is the
 * same for every plane, so it is built once per call.
 */
export function transposedAcross(images: i32, channels: i32, maps: i32, mg: i32, gy: usize, w: usize, gx: usize, scratch: usize): void {
  const inH = geometry(0), inW = geometry(1), outH = geometry(2), outW = geometry(3), kH = geometry(4), kW = geometry(5);
  const srcW = geometry(12), srcPlane = geometry(13), srcAt = geometry(14);
  const inPlane = inH * inW;
  const boxPlane = outH * outW;
  const K = kH * kW;
  tapTable(scratch, boxPlane, inH, inW, outH, outW, true);
  for (let c0 = 0; c0 < channels; c0 += 4) {
    const lanes = min(4, channels - c0);
    interleaveWeights(scratch + (<usize>boxPlane << 4), w, c0, lanes, K);
    for (let n = 0; n < images; n++) {
      for (let j = 0; j < lanes; j++) {
        const src = gy + (<usize>((n * maps + c0 + j) * srcPlane + srcAt) << 2);
        for (let oh = 0; oh < outH; oh++) {
          const row = src + (<usize>(oh * srcW) << 2);
          const to = scratch + (<usize>(oh * outW) << 4) + (<usize>j << 2);
          for (let ow = 0; ow < outW; ow++) store<f32>(to + (<usize>ow << 4), load<f32>(row + (<usize>ow << 2)));
        }
      }
      sumAcross(scratch, boxPlane, K, inPlane, gx + (<usize>((n * channels + c0) * inPlane) << 2), lanes);
    }
  }
}

/**
 * The row (column) of the source plane, of n, that kernel offset k reaches from position pos
 * on one axis, or −1: forward the input pos·s + k·d − p; transposed the output (pos + p − k·d) / s
 * where it divides.
 */
@inline
function reach(pos: i32, k: i32, s: i32, d: i32, p: i32, n: i32, transposed: bool): i32 {
  if (transposed) {
    const at = pos + p - k * d;
    if (at < 0) return -1;
    const q = at / s;
    return q * s === at && q < n ? q : -1;
  }
  const at = pos * s + k * d - p;
  return at >= 0 && at < n ? at : -1;
}

/**
 * The across kernels' scratch: the source plane's four lanes (`lanes` f32x4), the weights' (K
 * f32x4), then the tap table: starts (i32, one per position and one more), then per tap the
 * byte offsets of its lanes in the source plane and the weights.
 */
@inline
function tapStarts(scratch: usize, lanes: i32, K: i32): usize {
  return scratch + (<usize>(lanes + K) << 4);
}

@inline
function tapList(scratch: usize, lanes: i32, K: i32, positions: i32): usize {
  return tapStarts(scratch, lanes, K) + (<usize>(positions + 1) << 2);
}

/**
 * The tap table of forwardAcross() and transposedAcross() in `scratch` (after a source plane
 * of `lanes` positions): position o's taps (o over h × w), from the source plane (srcH ×
 * srcW), in order of kh, then kw.
 */
function tapTable(scratch: usize, lanes: i32, h: i32, w: i32, srcH: i32, srcW: i32, transposed: bool): void {
  const kH = geometry(4), kW = geometry(5), sH = geometry(6), sW = geometry(7), dH = geometry(8), dW = geometry(9), pH = geometry(10), pW = geometry(11);
  const starts = tapStarts(scratch, lanes, kH * kW);
  const table = tapList(scratch, lanes, kH * kW, h * w);
  let t = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      store<i32>(starts + (<usize>(y * w + x) << 2), t);
      for (let kh = 0; kh < kH; kh++) {
        const sy = reach(y, kh, sH, dH, pH, srcH, transposed);
        if (sy < 0) continue;
        for (let kw = 0; kw < kW; kw++) {
          const sx = reach(x, kw, sW, dW, pW, srcW, transposed);
          if (sx < 0) continue;
          store<i32>(table + (<usize>t << 3), (sy * srcW + sx) << 4);
          store<i32>(table + (<usize>t << 3), (kh * kW + kw) << 4, 4);
          t++;
        }
      }
    }
  }
  store<i32>(starts + (<usize>(h * w) << 2), t);
}

/** Lane j < lanes of ws's K f32x4 = the weights of map first + j. Lanes past them hold zero weights: their sums are not stored. */
function interleaveWeights(ws: usize, w: usize, first: i32, lanes: i32, K: i32): void {
  if (lanes < 4) memory.fill(ws, 0, <usize>K << 4);
  for (let j = 0; j < lanes; j++) {
    const wm = w + (<usize>((first + j) * K) << 2);
    for (let k = 0; k < K; k++) store<f32>(ws + (<usize>k << 4) + (<usize>j << 2), load<f32>(wm + (<usize>k << 2)));
  }
}

/**
 * For each position o < count, the sum over its taps (tapTable()) of the products of the
 * source and weight lanes; lane j goes to plane j of dst (count floats each).
 */
function sumAcross(scratch: usize, srcLanes: i32, K: i32, count: i32, dst: usize, lanes: i32): void {
  const ws = scratch + (<usize>srcLanes << 4);
  const vs = scratch;
  const starts = tapStarts(scratch, srcLanes, K);
  const table = tapList(scratch, srcLanes, K, count);
  const planeBytes = <usize>count << 2;
  let from = load<i32>(starts);
  for (let o = 0; o < count; o++) {
    const to = load<i32>(starts + (<usize>(o + 1) << 2));
    let acc = f32x4.splat(0);
    for (let i = from; i < to; i++) {
      const tap = table + (<usize>i << 3);
      acc = f32x4.add(acc, f32x4.mul(v128.load(ws + <usize>load<i32>(tap, 4)), v128.load(vs + <usize>load<i32>(tap))));
    }
    from = to;
    const at = dst + (<usize>o << 2);
    store<f32>(at, f32x4.extract_lane(acc, 0));
    if (lanes > 1) store<f32>(at + planeBytes, f32x4.extract_lane(acc, 1));
    if (lanes > 2) store<f32>(at + 2 * planeBytes, f32x4.extract_lane(acc, 2));
    if (lanes > 3) store<f32>(at + 3 * planeBytes, f32x4.extract_lane(acc, 3));
  }
}

/**
 * The smallest box of rows × columns holding every non-zero value of `planes` planes of
 * `rows` rows of `rowLength` floats, as four i32 at BOX: first row, row count, first column,
 * column count (all zero when every value is zero; −0 counts as zero, NaN does not).
 */
export function nonzeroBox(planar: usize, planes: i32, rows: i32, rowLength: i32): void {
  let rowLo = rows, rowHi = 0, colLo = rowLength, colHi = 0;
  const whole = rowLength & ~3;
  const zero = f32x4.splat(0);
  for (let p = 0; p < planes; p++) {
    for (let r = 0; r < rows; r++) {
      const row = planar + (<usize>((p * rows + r) * rowLength) << 2);
      let first = 0;
      while (first < whole && !v128.any_true(f32x4.ne(v128.load(row + (<usize>first << 2)), zero))) first += 4;
      while (first < rowLength && load<f32>(row + (<usize>first << 2)) == 0) first++;
      if (first === rowLength) continue;
      // The last non-zero column, from the right down to the first.
      let last = rowLength - 1;
      while (last - 3 > first && !v128.any_true(f32x4.ne(v128.load(row + (<usize>(last - 3) << 2)), zero))) last -= 4;
      while (load<f32>(row + (<usize>last << 2)) == 0) last--;
      if (r < rowLo) rowLo = r;
      if (r >= rowHi) rowHi = r + 1;
      if (first < colLo) colLo = first;
      if (last >= colHi) colHi = last + 1;
    }
  }
  const empty = rowHi === 0;
  store<i32>(BOX, empty ? 0 : rowLo);
  store<i32>(BOX, empty ? 0 : rowHi - rowLo, 4);
  store<i32>(BOX, empty ? 0 : colLo, 8);
  store<i32>(BOX, empty ? 0 : colHi - colLo, 12);
}

/** out[0 … width) = Σ over the tap list of weight · the run at its pointer. */
function sumTaps(out: usize, width: i32, taps: i32): void {
  if (taps === 9) {
    sumNineTaps(out, width);
    return;
  }
  for (let i = 0; i < width; i += 4) {
    const offset = <usize>i << 2;
    let acc = f32x4.splat(0);
    for (let t = 0; t < taps; t++) {
      const tap = <usize>t << 2;
      acc = f32x4.add(acc, f32x4.mul(v128.load32_splat(TAP_WEIGHTS + tap), v128.load(<usize>load<u32>(tap) + offset)));
    }
    storeRow(out + offset, acc, width - i);
  }
}

/** sumTaps for nine taps (a 3×3 window inside the plane: most rows), weights and pointers in registers. */
function sumNineTaps(out: usize, width: i32): void {
  const w0 = v128.load32_splat(TAP_WEIGHTS), w1 = v128.load32_splat(TAP_WEIGHTS, 4), w2 = v128.load32_splat(TAP_WEIGHTS, 8);
  const w3 = v128.load32_splat(TAP_WEIGHTS, 12), w4 = v128.load32_splat(TAP_WEIGHTS, 16), w5 = v128.load32_splat(TAP_WEIGHTS, 20);
  const w6 = v128.load32_splat(TAP_WEIGHTS, 24), w7 = v128.load32_splat(TAP_WEIGHTS, 28), w8 = v128.load32_splat(TAP_WEIGHTS, 32);
  let p0 = <usize>load<u32>(0), p1 = <usize>load<u32>(4), p2 = <usize>load<u32>(8);
  let p3 = <usize>load<u32>(12), p4 = <usize>load<u32>(16), p5 = <usize>load<u32>(20);
  let p6 = <usize>load<u32>(24), p7 = <usize>load<u32>(28), p8 = <usize>load<u32>(32);
  for (let i = 0; i < width; i += 4) {
    let acc = f32x4.mul(w0, v128.load(p0));
    acc = f32x4.add(acc, f32x4.mul(w1, v128.load(p1)));
    acc = f32x4.add(acc, f32x4.mul(w2, v128.load(p2)));
    acc = f32x4.add(acc, f32x4.mul(w3, v128.load(p3)));
    acc = f32x4.add(acc, f32x4.mul(w4, v128.load(p4)));
    acc = f32x4.add(acc, f32x4.mul(w5, v128.load(p5)));
    acc = f32x4.add(acc, f32x4.mul(w6, v128.load(p6)));
    acc = f32x4.add(acc, f32x4.mul(w7, v128.load(p7)));
    acc = f32x4.add(acc, f32x4.mul(w8, v128.load(p8)));
    storeRow(out + (<usize>i << 2), acc, width - i);
    p0 += 16; p1 += 16; p2 += 16; p3 += 16; p4 += 16; p5 += 16; p6 += 16; p7 += 16; p8 += 16;
  }
}

/** Runs at most this long go inline: a bulk-memory instruction is a call out of the module, dearer than a plane row's few floats. */
const INLINE_FLOATS: i32 = 64;

/** dst[0 … floats) = 0. */
@inline
function zeroFloats(dst: usize, floats: i32): void {
  if (floats > INLINE_FLOATS) {
    memory.fill(dst, 0, <usize>floats << 2);
    return;
  }
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= floats; i += 4) v128.store(dst + (<usize>i << 2), zero);
  for (; i < floats; i++) store<f32>(dst + (<usize>i << 2), 0);
}

/** dst[0 … floats) = src[0 … floats) (not overlapping). */
@inline
function copyFloats(dst: usize, src: usize, floats: i32): void {
  if (floats > INLINE_FLOATS) {
    memory.copy(dst, src, <usize>floats << 2);
    return;
  }
  let i = 0;
  for (; i + 4 <= floats; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  for (; i < floats; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

/** out[0 … min(left, 4)) = acc. */
@inline
function storeRow(out: usize, acc: v128, left: i32): void {
  if (left >= 4) {
    v128.store(out, acc);
    return;
  }
  store<f32>(out, f32x4.extract_lane(acc, 0));
  if (left > 1) store<f32>(out, f32x4.extract_lane(acc, 1), 4);
  if (left > 2) store<f32>(out, f32x4.extract_lane(acc, 2), 8);
}

export { biasClamp } from "./epilogue";
