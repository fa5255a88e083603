/** Runs an export's file making in a Web Worker (workers/export/export-worker.ts); cancelled by terminating it. */
import { ExportCancelled, type CollectedFile, type ExportFormats, type ExportInput } from '../../../workers/export/collect';
import type { ExportAsk, ExportJobMessage, ExportJobRequest, ExportReply } from '../../../workers/export/export-worker';
import type { SheetOptions } from '../../../workers/export/sprite';
import type { FileSink, FileWriter, RowSource } from '../../../workers/export/stream-export';
import { errorMessage } from '../../../workers/engine/graph';

interface JobHooks {
  signal: AbortSignal;
  onProgress: (done: number, total: number) => void;
}

/** Where a streamed export's rows come from and its files go, with what it may hold at once. */
interface Streaming {
  holdBytes: number;
  rows: RowSource;
  sink: FileSink;
}

function runWorker(request: ExportJobRequest, hooks: JobHooks, streaming?: Streaming): Promise<CollectedFile[]> {
  return new Promise((resolve, reject) => {
    if (hooks.signal.aborted) return reject(new ExportCancelled());
    const worker = new Worker(new URL('../../../workers/export/export-worker.ts', import.meta.url), { type: 'module', name: 'neurovis-export' });
    const writers = new Map<number, FileWriter>();
    let ended = false;
    const finish = (): void => {
      ended = true;
      hooks.signal.removeEventListener('abort', onAbort);
      worker.terminate();
    };
    const onAbort = (): void => {
      finish();
      reject(new ExportCancelled());
    };
    hooks.signal.addEventListener('abort', onAbort);
    /** Carries out what the streaming worker asks, one answer each (the worker waits for it). */
    const answer = async (m: ExportAsk): Promise<void> => {
      let reply: ExportReply;
      try {
        if (m.type === 'rows') {
          const rows = await streaming!.rows.rows(m.layer, m.first, m.count);
          if (ended) return;
          worker.postMessage({ type: 'reply', id: m.id, rows } satisfies ExportReply, [rows.buffer as ArrayBuffer]);
          return;
        }
        if (m.type === 'create') writers.set(m.file, await streaming!.sink.create(m.name));
        else if (m.type === 'write') await writers.get(m.file)!.write(m.bytes);
        else {
          await writers.get(m.file)!.close();
          writers.delete(m.file);
        }
        reply = { type: 'reply', id: m.id };
      } catch (e) {
        reply = { type: 'reply', id: m.id, error: errorMessage(e) };
      }
      if (!ended) worker.postMessage(reply);
    };
    worker.onmessage = (event: MessageEvent<ExportJobMessage>) => {
      const m = event.data;
      if (m.type === 'progress') {
        hooks.onProgress(m.done, m.total);
      } else if (m.type === 'done') {
        finish();
        resolve(m.files);
      } else if (m.type === 'error') {
        finish();
        reject(new Error(m.message));
      } else {
        void answer(m);
      }
    };
    worker.onerror = (event) => {
      finish();
      reject(new Error(event.message || 'the export worker failed'));
    };
    worker.postMessage(request);
  });
}

export function collectInWorker(input: ExportInput, formats: ExportFormats, options: SheetOptions, hooks: JobHooks): Promise<CollectedFile[]> {
  return runWorker({ input, formats, options }, hooks);
}

/** Streams the export (workers/export/stream-export.ts) from the worker into `streaming.sink`, a block of rows at a time. */
export async function streamInWorker(input: ExportInput, formats: ExportFormats, options: SheetOptions, streaming: Streaming, hooks: JobHooks): Promise<void> {
  await runWorker({ input, formats, options, holdBytes: streaming.holdBytes }, hooks, streaming);
}
