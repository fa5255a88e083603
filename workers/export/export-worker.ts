/**
 * A module Web Worker that makes an app export's files (collect.ts) off the UI thread:
 * drawing and compressing a sheet of thousands of thumbnails takes seconds. It reports
 * progress and sends the files back, transferring their bytes; the app cancels by
 * terminating it, so a cancelled export produces nothing.
 */
import { collectExport, type ExportFormats, type ExportInput } from './collect';
import type { SheetOptions } from './sprite';
import { errorMessage } from '../engine/graph';

export interface ExportJobRequest {
  readonly input: ExportInput;
  readonly formats: ExportFormats;
  readonly options: SheetOptions;
}

export type ExportJobMessage =
  | { readonly type: 'progress'; readonly done: number; readonly total: number }
  | { readonly type: 'done'; readonly files: { name: string; bytes: Uint8Array }[] }
  | { readonly type: 'error'; readonly message: string };

interface WorkerScope {
  onmessage: ((event: { data: ExportJobRequest }) => void) | null;
  postMessage(message: ExportJobMessage, transfer?: ArrayBuffer[]): void;
}

const scope = self as unknown as WorkerScope;

scope.onmessage = (event) => {
  const { input, formats, options } = event.data;
  collectExport(input, formats, options, { pause: async () => {}, onProgress: (done, total) => scope.postMessage({ type: 'progress', done, total }) }).then(
    (files) => {
      const plain = files.map((f) => ({ name: f.name, bytes: f.bytes }));
      scope.postMessage({ type: 'done', files: plain }, [...new Set(plain.map((f) => f.bytes.buffer as ArrayBuffer))]);
    },
    (e: unknown) => scope.postMessage({ type: 'error', message: errorMessage(e) }),
  );
};
