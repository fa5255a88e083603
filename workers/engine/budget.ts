// One memory budget for reading and folding a model (issue 19): every reader and the constant
// folder count the bytes a tensor would take (values × bytes per value) against it BEFORE they
// allocate, so a tiny file that declares a huge tensor ends in one line, not in swap. The
// batched passes of a gallery take their batch sizes from the same budget (batchFor).
import { ModelError } from './graph';

/** Used until a host sets the budget (the CLI and the app: a quarter of free memory up to 2 GB, or --memory-budget). */
export const DEFAULT_MEMORY_BUDGET_BYTES = 1024 ** 3;

let budgetBytes = DEFAULT_MEMORY_BUDGET_BYTES;

/** Sets the budget of this thread (each worker sets the one its host gives it). */
export function setMemoryBudget(bytes: number): void {
  if (Number.isFinite(bytes) && bytes > 0) budgetBytes = bytes;
}

export function memoryBudget(): number {
  return budgetBytes;
}

/** What the user of the CLI can do about a refusal (the app has no such option: it says its own, renderer/src/stores/notices.ts). */
export const WAY_OUT = '; raise it with --memory-budget if the machine has the memory';

const size = (what: string, values: number, bytes: number): string => `${what} would take ${formatBytes(bytes)} (${values.toLocaleString('en-US')} values)`;

/**
 * The working memory of one worker's batched passes (issue 18): a reversal's chunk of seeds
 * and a forward pass's batch of inputs hold a few tensors × the batch at once. A share of the
 * budget, at most 256 MB: a 224×224 MobileNetV2 (1.2 M values in its largest maps) then takes
 * 13 seeds a chunk, and two workers stay well under 2 GB; more would not run faster.
 */
const WORKING_SHARE = 1 / 4;
const MAX_WORKING_BYTES = 256 * 1024 ** 2;

export function workingBytes(): number {
  return workingShare(budgetBytes);
}

/** The working memory of a worker whose budget is `bytes` (the estimate asks before any worker runs). */
export function workingShare(bytes: number): number {
  return Math.min(MAX_WORKING_BYTES, bytes * WORKING_SHARE);
}

/** No worker plans on less than this, whatever the budget: its fixed holdings (forward values, kernels) need about as much. */
const MIN_WORKER_BYTES = 64 * 1024 ** 2;

/**
 * Each worker's share of a pool's budget (issue 18): the weights come off first, once when the
 * workers share them, once per worker when each holds a copy, and the fixed holdings when the
 * caller knows them (a pool does: fixedBytes); the rest is divided among the workers. A
 * worker's batch sizes then follow its share (batchFor).
 */
export function workerBudget(totalBytes: number, workers: number, weights: { readonly bytes: number; readonly shared: boolean }, fixed?: FixedHoldings): number {
  const n = Math.max(1, Math.floor(workers));
  const rest = totalBytes - (weights.shared ? weights.bytes : n * weights.bytes) - (fixed ? fixedBytes(n, fixed) : 0);
  return Math.max(MIN_WORKER_BYTES, Math.floor(rest / n));
}

/**
 * What a pool's process holds besides its workers' batches (issue 18), charged to the budget
 * before the rest is divided among the workers, so that the budget bounds the whole process
 * and not only the batches: a 224-pixel MobileNetV2 on 2 workers took 2.2 GB at a 2 GB budget
 * when only the batches and the shared dense rows were counted.
 */
export interface FixedHoldings {
  /** Bytes of every tensor of one forward pass: each worker keeps them at the reference. */
  readonly forwardBytes: number;
  /** Bytes of result rows the run holds for the layers that reuse them (pool/reuse-hold.ts). */
  readonly heldBytes: number;
}

/**
 * The process itself: Node, the host's main thread, the model read and prepared, the streams' buffers.
 * Measured on the CLI with the 224 MobileNetV2 (GNU time, npy and json): 149 MB on a 2-neuron job
 * (246 MB on one worker less the second worker's 97 MB), and the main thread's V8 heap and external
 * memory grow by 57 MB more (80 → 137 MB) while a 960-channel range streams its results.
 */
export const PROCESS_BYTES = 208 * 1024 ** 2;
/** One worker's WebAssembly memory (it never shrinks: the dense product's source blocks, the depthwise planes) and kernels' tables. */
export const WORKER_FIXED_BYTES = 48 * 1024 ** 2;

/** Bytes of the budget the process holds whatever the batches: PROCESS_BYTES, the held rows, and per worker its forward values and fixed memory. */
export function fixedBytes(workers: number, fixed: FixedHoldings): number {
  return PROCESS_BYTES + fixed.heldBytes + Math.max(1, Math.floor(workers)) * (fixed.forwardBytes + WORKER_FIXED_BYTES);
}

/** How many images (seeds, or inputs of a forward pass) fit the working memory when each holds `live` float32 tensors of `values` values. */
export function batchFor(values: number, live: number): number {
  return Math.max(1, Math.floor(workingBytes() / (4 * live * Math.max(1, values))));
}

/** Why `values` of `bytesPerValue` bytes do not fit (naming `what`, its size and the budget), or undefined when they do. */
export function overBudget(what: string, values: number, bytesPerValue: number): string | undefined {
  const bytes = values * bytesPerValue;
  if (bytes <= budgetBytes) return undefined;
  return `${size(what, values, bytes)}, past the memory budget of ${formatBytes(budgetBytes)}${WAY_OUT}`;
}

/**
 * Bytes the model being read has allocated so far, or undefined outside a read (then each
 * allocation is checked alone). Readers are synchronous and a thread reads one model at a
 * time, so one count per thread is enough.
 */
let readBytes: number | undefined;

/** Runs a model read with its own count of allocated bytes (readModel). */
export function countingReads<T>(read: () => T): T {
  readBytes = 0;
  try {
    return read();
  } finally {
    readBytes = undefined;
  }
}

/**
 * Counts the `values` × `bytesPerValue` bytes a reader is about to allocate (a decoded tensor,
 * an inflated member) with what this read allocated before. Returns, instead of counting them,
 * why they do not fit (naming `what`, its size and the budget): the caller refuses before allocating.
 */
export function claimBytes(what: string, values: number, bytesPerValue: number): string | undefined {
  const bytes = values * bytesPerValue;
  const over = overBudget(what, values, bytesPerValue);
  if (over || readBytes === undefined) return over;
  if (readBytes + bytes > budgetBytes) {
    return `${size(what, values, bytes)}; with the ${formatBytes(readBytes)} read before it, the model passes the memory budget of ${formatBytes(budgetBytes)}${WAY_OUT}`;
  }
  readBytes += bytes;
  return undefined;
}

/** claimBytes, throwing its answer as a ModelError prefixed by `where` (the file; '' when the caller adds it). */
export function spendBytes(where: string, what: string, values: number, bytesPerValue: number): void {
  const over = claimBytes(what, values, bytesPerValue);
  if (over) throw new ModelError(where ? `${where}: ${over}` : over);
}

/** Throws the message of overBudget, prefixed by `where` (the file), when the tensor would not fit. */
export function checkBytes(where: string, what: string, values: number, bytesPerValue: number): void {
  const over = overBudget(what, values, bytesPerValue);
  if (over) throw new ModelError(`${where}: ${over}`);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024 ** 2) return `${Math.max(1, Math.round(bytes / 1024))} kB`;
  if (bytes < 1024 ** 3) return `${Math.round(bytes / 1024 ** 2)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
}
