/** The one gallery pool of this window (Web Workers); recreated when the worker count changes. */
import type { GalleryPool } from '../../../workers/pool/api';
import { createBrowserPool } from '../../../workers/pool/browser';
import { memoryBudget, rowCacheBytes } from '../domain/budget';

let pool: GalleryPool | undefined;
let poolSize: number | undefined;

/** The pool with `workers` workers (0 = automatic); a new pool when the count changed. */
export async function ensurePool(workers: number): Promise<{ pool: GalleryPool; created: boolean }> {
  const size = workers > 0 ? workers : undefined;
  if (pool && poolSize === size) return { pool, created: false };
  if (pool) await pool.terminate();
  // The workers share the page's budget (engine/budget.ts workerBudget): their batch sizes follow it.
  const nav = globalThis.navigator as { deviceMemory?: number } | undefined;
  // Its cache of results takes a share of the budget, as the app's own rows do (issue 18).
  pool = createBrowserPool({ ...(size === undefined ? {} : { size }), memoryBudget: memoryBudget(nav?.deviceMemory), cacheBytes: rowCacheBytes() });
  poolSize = size;
  return { pool, created: true };
}

export function currentPool(): GalleryPool | undefined {
  return pool;
}
