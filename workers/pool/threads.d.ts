// Typings for the part of `threads` 1.7 Neurovis uses. Its package.json "exports" map has
// no "types" condition, so TypeScript (moduleResolution "bundler") cannot see the typings
// it ships, and tsconfig "paths" would also redirect run-time resolution (Playwright
// honours them). Its own `Worker` typings take a path string only, while the pool hands
// spawn() a browser module Worker or a worker_threads adapter: `worker` is unknown here.

declare module 'threads' {
  type Observable<T> = import('threads/observable').Observable<T>;
  /** What a call answers with: an Observable's values (a promise of the first), or a promise's. */
  type Answer<R> = R extends Observable<infer T> ? T : Awaited<R>;
  /** A promise of a call's first value that can also be subscribed to for all of them. */
  export type ObservablePromise<T> = Promise<T> & Pick<Observable<T>, 'subscribe'>;
  /** A spawned worker: each exposed method, called across threads, answers with an ObservablePromise. */
  export type ModuleThread<Api> = {
    readonly [K in keyof Api]: Api[K] extends (...args: infer A) => infer R ? (...args: A) => ObservablePromise<Answer<R>> : never;
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

declare module 'threads/observable' {
  export interface Observer<T> {
    next(value: T): void;
    error(error: unknown): void;
    complete(): void;
  }
  /** observable-fns' Observable (zen-observable): the subscriber runs on subscribe. */
  export class Observable<T> {
    constructor(subscriber: (observer: Observer<T>) => void | (() => void));
    subscribe(observer: Partial<Observer<T>>): { unsubscribe(): void };
  }
}
