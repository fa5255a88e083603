/**
 * A module Web Worker that makes an app export's files (stream-export.ts) off the UI thread:
 * drawing and compressing a sheet of thousands of thumbnails takes seconds. It reports
 * progress and sends the files back, transferring their bytes; the app cancels by
 * terminating it, so a cancelled export produces nothing. A big export is streamed
 * (stream-export.ts): the worker asks the app for rows a block at a time and hands each
 * file's bytes over as they are made, waiting for each to be written.
 */
import type { ExportFormats, ExportInput } from './collect';
import type { SheetOptions } from './sprite';
import { errorMessage } from '../engine/graph';
import { collectExport, streamExport, type FileSink, type RowSource } from './stream-export';

export interface ExportJobRequest {
  readonly input: ExportInput;
  readonly formats: ExportFormats;
  readonly options: SheetOptions;
  /** Streams the export, holding this many bytes of rows at once. */
  readonly holdBytes?: number;
}

/** What a streaming worker asks of the app; each is answered by an ExportReply of the same id. */
export type ExportAsk =
  | { readonly type: 'rows'; readonly id: number; readonly layer: string; readonly first: number; readonly count: number }
  | { readonly type: 'create'; readonly id: number; readonly file: number; readonly name: string }
  | { readonly type: 'write'; readonly id: number; readonly file: number; readonly bytes: Uint8Array }
  | { readonly type: 'close'; readonly id: number; readonly file: number };

export interface ExportReply {
  readonly type: 'reply';
  readonly id: number;
  readonly rows?: Float32Array;
  readonly error?: string;
}

export type ExportJobMessage =
  | { readonly type: 'progress'; readonly done: number; readonly total: number }
  | { readonly type: 'done'; readonly files: { name: string; bytes: Uint8Array }[] }
  | { readonly type: 'error'; readonly message: string }
  | ExportAsk;

interface WorkerScope {
  onmessage: ((event: { data: ExportJobRequest | ExportReply }) => void) | null;
  postMessage(message: ExportJobMessage, transfer?: ArrayBuffer[]): void;
}

const scope = self as unknown as WorkerScope;
const waiting = new Map<number, { resolve: (reply: ExportReply) => void; reject: (e: Error) => void }>();
let nextId = 0;

type AskBody = ExportAsk extends infer A ? (A extends ExportAsk ? Omit<A, 'id'> : never) : never;

function ask(message: AskBody, transfer: ArrayBuffer[] = []): Promise<ExportReply> {
  const id = ++nextId;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    scope.postMessage({ ...message, id } as ExportAsk, transfer);
  });
}

const rows: RowSource = { rows: async (layer, first, count) => (await ask({ type: 'rows', layer, first, count })).rows! };
let files = 0;
const sink: FileSink = {
  create: async (name) => {
    const file = ++files;
    await ask({ type: 'create', file, name });
    return {
      // A copy of its own to transfer: the caller may still hold the bytes.
      write: async (bytes) => {
        const copy = bytes.slice();
        await ask({ type: 'write', file, bytes: copy }, [copy.buffer]);
      },
      close: async () => {
        await ask({ type: 'close', file });
      },
    };
  },
};

scope.onmessage = (event) => {
  const data = event.data;
  if ('type' in data && data.type === 'reply') {
    const w = waiting.get(data.id);
    waiting.delete(data.id);
    if (data.error !== undefined) w?.reject(new Error(data.error));
    else w?.resolve(data);
    return;
  }
  const { input, formats, options, holdBytes } = data as ExportJobRequest;
  const onProgress = (done: number, total: number): void => scope.postMessage({ type: 'progress', done, total });
  const fail = (e: unknown): void => scope.postMessage({ type: 'error', message: errorMessage(e) });
  if (holdBytes !== undefined) {
    streamExport(input, formats, options, rows, sink, holdBytes, { pause: async () => {}, onProgress }).then(() => scope.postMessage({ type: 'done', files: [] }), fail);
    return;
  }
  collectExport(input, formats, options, { pause: async () => {}, onProgress }).then((made) => {
    const plain = made.map((f) => ({ name: f.name, bytes: f.bytes }));
    scope.postMessage({ type: 'done', files: plain }, [...new Set(plain.map((f) => f.bytes.buffer as ArrayBuffer))]);
  }, fail);
};
