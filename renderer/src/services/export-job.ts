/** Runs an export's file making in a Web Worker (workers/export/export-worker.ts); cancelled by terminating it. */
import { ExportCancelled, type CollectedFile, type ExportFormats, type ExportInput } from '../../../workers/export/collect';
import type { ExportJobMessage, ExportJobRequest } from '../../../workers/export/export-worker';
import type { SheetOptions } from '../../../workers/export/sprite';

export function collectInWorker(
  input: ExportInput,
  formats: ExportFormats,
  options: SheetOptions,
  hooks: { signal: AbortSignal; onProgress: (done: number, total: number) => void },
): Promise<CollectedFile[]> {
  return new Promise((resolve, reject) => {
    if (hooks.signal.aborted) return reject(new ExportCancelled());
    const worker = new Worker(new URL('../../../workers/export/export-worker.ts', import.meta.url), { type: 'module', name: 'neurovis-export' });
    const finish = (): void => {
      hooks.signal.removeEventListener('abort', onAbort);
      worker.terminate();
    };
    const onAbort = (): void => {
      finish();
      reject(new ExportCancelled());
    };
    hooks.signal.addEventListener('abort', onAbort);
    worker.onmessage = (event: MessageEvent<ExportJobMessage>) => {
      const m = event.data;
      if (m.type === 'progress') {
        hooks.onProgress(m.done, m.total);
      } else {
        finish();
        if (m.type === 'done') resolve(m.files);
        else reject(new Error(m.message));
      }
    };
    worker.onerror = (event) => {
      finish();
      reject(new Error(event.message || 'the export worker failed'));
    };
    const request: ExportJobRequest = { input, formats, options };
    worker.postMessage(request);
  });
}
