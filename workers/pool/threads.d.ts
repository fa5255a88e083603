// Typings for the part of `threads` 1.7 Neurovis uses. Its package.json "exports" map has
// no "types" condition, so TypeScript (moduleResolution "bundler") cannot see the typings
// it ships, and tsconfig "paths" would also redirect run-time resolution (Playwright
// honours them). Its own `Worker` typings take a path string only, while the pool hands
// spawn() a browser module Worker or a worker_threads adapter: `worker` is unknown here.

declare module 'threads' {
  /** A spawned worker: each exposed method, called across threads, answers with a promise. */
  export type ModuleThread<Api> = {
    readonly [K in keyof Api]: Api[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
  };
  export function spawn<Api>(worker: unknown, options?: { timeout?: number }): Promise<ModuleThread<Api>>;
  export const Thread: {
    terminate(thread: ModuleThread<unknown>): Promise<void>;
  };
}

declare module 'threads/worker' {
  export interface TransferDescriptor<T> {
    readonly send: T;
    readonly transferables: Transferable[];
  }
  /** Sends `payload` with these buffers moved, not copied. */
  export function Transfer<T>(payload: T, transferables: Transferable[]): TransferDescriptor<T>;
  export function expose(api: Record<string, (...args: never[]) => unknown>): void;
}
