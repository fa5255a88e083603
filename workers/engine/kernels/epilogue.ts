import { clampFloats, type ClampBounds } from './clamp';

/**
 * What a convolution applies to its outputs as they are written (issue 18): the bias of
 * each output row (a channel's plane), then a clamp (a Clip fused into the Conv by the
 * batched forward pass). The WebAssembly kernels apply it in their own memory
 * (assembly/epilogue.ts); applyEpilogue is the same in TypeScript.
 */
export interface Epilogue {
  /** The bias of output row r is bias[biasOffset + index of r] (the caller says how rows map to channels). */
  readonly bias?: Float32Array;
  readonly biasOffset?: number;
  readonly clamp?: ClampBounds;
}

/** Nothing to apply. */
export const NO_EPILOGUE: Epilogue = {};

export const hasEpilogue = (e: Epilogue): boolean => !!e.bias || !!e.clamp;

/** `rows` rows of `size` floats of y from `at`; row r takes the bias at index biasIndex(r). */
export function applyEpilogue(y: Float32Array, at: number, rows: number, size: number, e: Epilogue, biasIndex: (r: number) => number): void {
  const { bias, clamp } = e;
  const biasOffset = e.biasOffset ?? 0;
  for (let r = 0; r < rows; r++) {
    const row = at + r * size;
    const b = bias ? bias[biasOffset + biasIndex(r)] : 0;
    if (b !== 0) for (let i = row; i < row + size; i++) y[i] += b;
    if (clamp) clampFloats(y, y, clamp, row, row + size);
  }
}

type BiasClamp = (at: number, planes: number, size: number, bias: number, hasBias: number, channels: number, lo: number, hi: number) => void;

/**
 * The epilogue on `planes` planes of `size` floats at byte `at` of a kernel's memory, plane p
 * taking the bias at index biasIndex(p % channels); those `channels` bias values go at byte
 * `scratch`.
 */
export function epilogueInWasm(
  biasClamp: BiasClamp, heap: Float32Array, at: number, planes: number, size: number, e: Epilogue,
  scratch: number, channels: number, biasIndex: (c: number) => number,
): void {
  if (e.bias) {
    const from = e.biasOffset ?? 0;
    for (let c = 0; c < channels; c++) heap[(scratch >> 2) + c] = e.bias[from + biasIndex(c)];
  }
  biasClamp(at, planes, size, scratch, e.bias ? 1 : 0, channels, e.clamp?.min ?? -Infinity, e.clamp?.max ?? Infinity);
}
