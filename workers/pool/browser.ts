import type { GalleryPool, PoolOptions } from './api';
import type { WorkerHandle } from './lifecycle';
import { createPool, type WorkerPool } from './pool';

function browserWorkerHandle(): WorkerHandle {
  // Written inline so Vite sees `new Worker(new URL(…, import.meta.url))` and bundles
  // workers/worker.ts as a module worker (threads' own Worker only takes strings and
  // would go through its blob-URL wrapper, which breaks module workers).
  const worker = new Worker(new URL('../worker.ts', import.meta.url), { type: 'module', name: 'neurovis-worker' });
  return {
    worker,
    onDeath(listener) {
      // An uncaught error outside a job (jobs' own errors come back as rejections).
      worker.addEventListener('error', (event) => {
        event.preventDefault();
        listener(event.message || 'uncaught error in the worker');
      });
    },
  };
}

export function defaultBrowserPoolSize(): number {
  return Math.max(1, (navigator.hardwareConcurrency || 2) - 1);
}

/** The gallery pool on Web Workers (renderer, Electron or plain browser). */
export function createBrowserPool(options: PoolOptions = {}): GalleryPool & WorkerPool {
  return createPool({ ...options, defaultSize: defaultBrowserPoolSize(), spawnWorker: browserWorkerHandle });
}
