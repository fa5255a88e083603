import type { ModuleThread } from 'threads';
import type { LayerResult } from '../engine/layer-result';
import type { ComputeRequest, WorkerApi } from './protocol';

/**
 * Runs one job on a worker: its steps reports go to `onSteps` as they come, and the promise
 * resolves with its result (threads' ObservablePromise resolves with the first message only).
 */
export function callCompute(thread: ModuleThread<WorkerApi>, request: ComputeRequest, onSteps: (done: number, total: number) => void): Promise<LayerResult> {
  return new Promise<LayerResult>((resolve, reject) => {
    let result: LayerResult | undefined;
    thread.compute(request).subscribe({
      next: (m) => {
        if (m.kind === 'steps') onSteps(m.done, m.total);
        else result = m.result;
      },
      error: reject,
      complete: () => (result ? resolve(result) : reject(new Error('the worker finished the job without a result'))),
    });
  });
}
