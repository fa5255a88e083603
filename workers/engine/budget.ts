// One memory budget for reading and folding a model (issue 19): every reader and the constant
// folder count the bytes a tensor would take (values × bytes per value) against it BEFORE they
// allocate, so a tiny file that declares a huge tensor ends in one line, not in swap.
import { ModelError } from './graph';

/** Used until a host sets the budget (the CLI and the app: a quarter of free memory, or --memory-budget). */
export const DEFAULT_MEMORY_BUDGET_BYTES = 1024 ** 3;

let budgetBytes = DEFAULT_MEMORY_BUDGET_BYTES;

/** Sets the budget of this thread (each worker sets the one its host gives it). */
export function setMemoryBudget(bytes: number): void {
  if (Number.isFinite(bytes) && bytes > 0) budgetBytes = bytes;
}

export function memoryBudget(): number {
  return budgetBytes;
}

/** Why `values` of `bytesPerValue` bytes do not fit (naming `what`, its size and the budget), or undefined when they do. */
export function overBudget(what: string, values: number, bytesPerValue: number): string | undefined {
  const bytes = values * bytesPerValue;
  if (bytes <= budgetBytes) return undefined;
  return `${what} would take ${formatBytes(bytes)} (${values.toLocaleString('en-US')} values), past the memory budget of ${formatBytes(budgetBytes)}`;
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
