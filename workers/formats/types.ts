import type { Graph, ModelFormat } from '../engine/graph';

/** One file the user dropped or named, with its bytes. */
export interface InputFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** One reader per format (DESIGN.md §3), registered in formats/index.ts. */
export interface FormatReader {
  readonly format: ModelFormat;
  /** Lower-case extensions with the dot ('.onnx', '.neurovis.json'), the fallback when content is ambiguous. */
  readonly extensions: readonly string[];
  /** Whether this file is a main model file of this format, by its content (magic bytes, JSON keys). */
  sniff(file: InputFile): boolean;
  /**
   * Reads the model whose main file is `main`; `files` holds everything dropped with it
   * (TF.js shards, ONNX external data, a .neurovis.json's sidecar .npz). Throws ModelError
   * naming the file and the problem.
   */
  read(main: InputFile, files: readonly InputFile[], options: ReadOptions): Graph;
}

export interface ReadOptions {
  /** NumPy chains: force the orientation when both chain ('rows-are-inputs' = x·W). */
  readonly orientation?: 'rows-are-inputs' | 'rows-are-outputs';
}
