import { DEPTHWISE_WASM_BASE64 } from './depthwise-wasm-binary';
import { epilogueInWasm, hasEpilogue, NO_EPILOGUE, type Epilogue } from './epilogue';
import { instantiateWasm, reserveWasm } from './wasm-module';
import type { WindowGeometry } from './window-geometry';

/**
 * Host side of the WebAssembly SIMD depthwise kernel (kernels/assembly/depthwise.ts): the
 * window products of Conv layers with one input channel per group (window.ts is the
 * TypeScript reference). Memory layout, in bytes: the kernel's tap list and geometry, W, the per-plane
 * scratch, then a chunk of images' source and destination planes.
 */
type Kernel = (planes: number, channels: number, maps: number, mg: number, src: number, w: number, dst: number, scratch: number) => void;

interface DepthwiseModule {
  readonly memory: WebAssembly.Memory;
  readonly forward: Kernel;
  readonly transposed: Kernel;
  readonly forwardAcross: Kernel;
  readonly transposedAcross: Kernel;
  readonly transposedAcrossScratchFloats: (boxPlane: number, K: number, inPlane: number) => number;
  readonly ACROSS_WIDTH: WebAssembly.Global;
  readonly acrossScratchFloats: (inPlane: number, K: number, outPlane: number) => number;
  readonly forwardScratchFloats: (inH: number, outW: number, kW: number, sW: number, dW: number, pW: number) => number;
  readonly transposedScratchFloats: (mg: number, outH: number, inW: number, kW: number, dW: number) => number;
  readonly MAX_TAPS: WebAssembly.Global;
  readonly nonzeroBox: (planar: number, planes: number, rows: number, rowLength: number) => void;
  readonly biasClamp: Parameters<typeof epilogueInWasm>[0];
  readonly GEOMETRY: WebAssembly.Global;
  readonly BOX: WebAssembly.Global;
  readonly HEADER_BYTES: WebAssembly.Global;
}

/** Floats of source and destination planes per chunk of images (16 MB). */
const CHUNK_FLOATS = 1 << 22;

let loaded: DepthwiseModule | null | undefined;
let calls = 0;

/** How many layers the WebAssembly kernel has computed (tests check the optimised path ran). */
export function wasmDepthwiseCalls(): number {
  return calls;
}

function depthwiseModule(): DepthwiseModule | null {
  if (loaded === undefined) loaded = instantiateWasm(DEPTHWISE_WASM_BASE64) as DepthwiseModule | null;
  return loaded;
}

/** Images × channels input planes, images × maps output planes; output map m reads channel m / mg. */
export interface DepthwisePlanes {
  readonly images: number;
  readonly channels: number;
  readonly maps: number;
  readonly mg: number;
}

/**
 * forward: dst (images × maps × outSize) = the window product of src (images × channels ×
 * inSize) with w (maps × kernelSize); transposed: dst (images × channels × inSize) = its
 * transpose applied to src (images × maps × outSize), computed only over the box of output
 * positions where src is non-zero (the seeds' cone: the same sums, exactly). dst is
 * overwritten; forward, `after` is applied to it (output map m takes the bias at index m).
 * Returns false, doing nothing, when the kernel is unavailable or the window is not 2-D.
 */
export function depthwiseWasm(
  direction: 'forward' | 'transposed', g: WindowGeometry, p: DepthwisePlanes,
  src: Float32Array, w: Float32Array, dst: Float32Array, after: Epilogue = NO_EPILOGUE,
): boolean {
  const m = depthwiseModule();
  if (!m || g.inShape[0] !== 1 || g.outShape[0] !== 1 || g.kernel[0] !== 1 || g.padsBegin[0] !== 0) return false;
  const { images, channels, maps, mg } = p;
  const [, inH, inW] = g.inShape;
  const [, outH, outW] = g.outShape;
  const [, kH, kW] = g.kernel;
  const [, sH, sW] = g.strides;
  const [, dH, dW] = g.dilations;
  const [, pH, pW] = g.padsBegin;
  const forward = direction === 'forward';
  if ((forward ? 1 : mg) * kH * kW > Number(m.MAX_TAPS.value)) return false;
  const srcPlanes = forward ? channels * inH * inW : maps * outH * outW;
  const dstPlanes = forward ? maps * outH * outW : channels * inH * inW;
  const chunk = Math.max(1, Math.min(images, Math.floor(CHUNK_FLOATS / (srcPlanes + dstPlanes))));
  // Short output rows: four maps a vector instead of a row's outputs, one tap table per call.
  const across = forward && Math.max(outH, outW) <= Number(m.ACROSS_WIDTH.value);
  // The same for the transpose's short rows (gx's), with one map per channel.
  const acrossT = !forward && mg === 1 && Math.max(inH, inW) <= Number(m.ACROSS_WIDTH.value);
  const scratchFloats = across
    ? m.acrossScratchFloats(inH * inW, kH * kW, outH * outW)
    : acrossT ? m.transposedAcrossScratchFloats(outH * outW, kH * kW, inH * inW)
    : forward ? m.forwardScratchFloats(inH, outW, kW, sW, dW, pW) : m.transposedScratchFloats(mg, outH, inW, kW, dW);
  const wAt = Number(m.HEADER_BYTES.value);
  const scratchAt = wAt + 4 * ((w.length + 3) & ~3);
  const srcAt = scratchAt + 4 * ((scratchFloats + 3) & ~3);
  const dstAt = srcAt + 4 * chunk * srcPlanes;
  const biasAt = dstAt + 4 * chunk * dstPlanes;
  try {
    reserveWasm(m.memory, biasAt + 4 * maps);
  } catch (e) {
    // WebAssembly memory could not grow (memory exhausted): the TypeScript kernel does it.
    if (e instanceof RangeError) return false;
    throw e;
  }
  calls++;
  const heap = new Float32Array(m.memory.buffer);
  const geometry = new Int32Array(m.memory.buffer, Number(m.GEOMETRY.value), 15);
  const box = new Int32Array(m.memory.buffer, Number(m.BOX.value), 4);
  heap.set(w, wAt >> 2);
  for (let n0 = 0; n0 < images; n0 += chunk) {
    const count = Math.min(chunk, images - n0);
    heap.set(src.subarray(n0 * srcPlanes, (n0 + count) * srcPlanes), srcAt >> 2);
    if (forward) {
      geometry.set([inH, inW, outH, outW, kH, kW, sH, sW, dH, dW, pH, pW, inW, inH * inW, 0]);
      if (across) m.forwardAcross(count, channels, maps, mg, srcAt, wAt, dstAt, scratchAt);
      else m.forward(count * maps, channels, maps, mg, srcAt, wAt, dstAt, scratchAt);
      if (hasEpilogue(after)) epilogueInWasm(m.biasClamp, heap, dstAt, count * maps, outH * outW, after, biasAt, maps, (c) => c);
    } else {
      m.nonzeroBox(srcAt, count * maps, outH, outW);
      const [row0, rows, col0, cols] = box;
      if (rows === 0) {
        dst.fill(0, n0 * dstPlanes, (n0 + count) * dstPlanes);
        continue;
      }
      geometry.set([inH, inW, rows, cols, kH, kW, sH, sW, dH, dW, pH - row0 * sH, pW - col0 * sW, outW, outH * outW, row0 * outW + col0]);
      if (acrossT) m.transposedAcross(count, channels, maps, mg, srcAt, wAt, dstAt, scratchAt);
      else m.transposed(count * channels, channels, maps, mg, srcAt, wAt, dstAt, scratchAt);
    }
    dst.set(heap.subarray(dstAt >> 2, (dstAt >> 2) + count * dstPlanes), n0 * dstPlanes);
  }
  return true;
}
