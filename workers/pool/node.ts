import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker as NodeWorker } from 'node:worker_threads';
import type { GalleryPool, PoolOptions } from './api';
import type { WorkerHandle } from './lifecycle';
import { createPool, type WorkerPool } from './pool';

export interface NodePoolOptions extends PoolOptions {
  /** Path of the built worker; default: worker.js beside this module once bundled (dist/node/worker.js). */
  readonly workerPath?: string;
  /** Each worker's JavaScript heap limit in MB (default 2048): past it the worker dies and is replaced, its job retried once. */
  readonly heapLimitMb?: number;
}

/** Tensors live in ArrayBuffers, outside the heap: a worker's heap holds the graph and bookkeeping. */
const DEFAULT_HEAP_LIMIT_MB = 2048;

type Listener = (event: { data: unknown }) => void;

/**
 * A worker_threads Worker with the EventTarget-style methods threads' spawn() uses.
 * threads' own Node `Worker` would do, but it resolves every path against the calling
 * module's directory, absolute ones included (threads.js#428), which breaks once bundled.
 */
class ThreadsCompatibleWorker {
  private readonly mapped = new Map<Listener, (value: unknown) => void>();
  constructor(readonly native: NodeWorker) {}

  addEventListener(type: string, listener: Listener): void {
    const wrapped = (value: unknown): void => listener({ data: value });
    this.mapped.set(listener, wrapped);
    this.native.on(type, wrapped);
  }

  removeEventListener(type: string, listener: Listener): void {
    const wrapped = this.mapped.get(listener);
    if (!wrapped) return;
    this.mapped.delete(listener);
    this.native.off(type, wrapped);
  }

  postMessage(message: unknown, transfer?: readonly Transferable[]): void {
    this.native.postMessage(message, transfer as never);
  }

  terminate(): Promise<number> {
    return this.native.terminate();
  }
}

export function defaultWorkerPath(): string {
  return fileURLToPath(new URL('./worker.js', import.meta.url));
}

export function nodeWorkerHandle(path: string, heapLimitMb = DEFAULT_HEAP_LIMIT_MB): WorkerHandle {
  const native = new NodeWorker(path, { resourceLimits: { maxOldGenerationSizeMb: heapLimitMb } });
  return {
    worker: new ThreadsCompatibleWorker(native),
    onDeath(listener) {
      native.on('error', (e: Error) => listener(e.message));
      native.on('exit', (code: number) => listener(`exit code ${code}`));
    },
  };
}

/**
 * Every core: the Node host (the CLI, the bench) only waits for results while the pool
 * computes, unlike the app's UI thread, which keeps a core for itself (browser.ts).
 */
export function defaultNodePoolSize(): number {
  return Math.max(1, availableParallelism());
}

/** The gallery pool on Node worker_threads (CLI, tests, benchmarks). */
export function createNodePool(options: NodePoolOptions = {}): GalleryPool & WorkerPool {
  const path = options.workerPath ?? defaultWorkerPath();
  return createPool({ ...options, defaultSize: defaultNodePoolSize(), spawnWorker: () => nodeWorkerHandle(path, options.heapLimitMb) });
}
