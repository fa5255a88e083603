import { ModelError, type Graph } from '../engine/graph';
import type { FormatReader, InputFile, ReadOptions } from './types';
import { onnxReader } from './onnx/index';
import { kerasReaders } from './keras/index';
import { numpyReaders } from './numpy/index';
import { neurovisReader } from './neurovis/index';

export type { InputFile, FormatReader, ReadOptions } from './types';

const readers: readonly FormatReader[] = [onnxReader, ...kerasReaders, ...numpyReaders, neurovisReader].filter(
  (r): r is FormatReader => r !== undefined,
);

/** Files bigger than this are refused before they are read. */
export const MAX_MODEL_BYTES = 2 * 1024 ** 3;

function matchesExtension(reader: FormatReader, name: string): boolean {
  const lower = name.toLowerCase();
  return reader.extensions.some((e) => lower.endsWith(e));
}

/**
 * Picks the main file and its reader: content first (magic bytes), extension second.
 * Several files dropped together belong together (TF.js model.json and its shards).
 */
export function detect(files: readonly InputFile[]): { reader: FormatReader; main: InputFile } {
  if (files.length === 0) throw new ModelError('no file given');
  for (const file of files) {
    for (const reader of readers) if (reader.sniff(file)) return { reader, main: file };
  }
  for (const file of files) {
    for (const reader of readers) if (matchesExtension(reader, file.name)) return { reader, main: file };
  }
  const names = files.map((f) => f.name).join(', ');
  throw new ModelError(`${names}: not a model file Neurovis can read (ONNX, Keras .h5/.keras, TF.js model.json, NumPy .npy/.npz, .neurovis.json)`);
}

export function readModel(files: readonly InputFile[], options: ReadOptions = {}): Graph {
  const { reader, main } = detect(files);
  return reader.read(main, files, options);
}

export function supportedFormats(): { format: string; extensions: readonly string[] }[] {
  return readers.map((r) => ({ format: r.format, extensions: r.extensions }));
}
