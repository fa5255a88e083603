import type { Graph, ModelFormat } from '../engine/graph';

/** One file the user dropped or named, with its bytes. */
export interface InputFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

export interface ReadOptions {
  /** NumPy chains: force the orientation when both chain ('rows-are-inputs' = x·W). */
  readonly orientation?: 'rows-are-inputs' | 'rows-are-outputs';
}

/** How the OS should offer a file type to Neurovis (electron-builder.yml `fileAssociations`, checked by a test). */
export interface FileAssociation {
  /** The extension without its leading dot ('onnx', 'neurovis.json'). */
  readonly ext: string;
  readonly name: string;
  readonly description: string;
  readonly mimeType: string;
  readonly role: 'Viewer' | 'Editor';
  readonly rank: 'Owner' | 'Default' | 'Alternate' | 'None';
}

/** A file beside a model that may name its outputs' classes (formats/registry.ts LABEL_FILES). */
export interface LabelFile {
  /** Its name beside a model whose name without its format's ending is `stem`. */
  name(stem: string): string;
  /** The class names in its text; undefined when it names none. */
  parse(text: string): string[] | undefined;
}

/** A format Neurovis recognises but does not read: detection refuses it with a message saying what to do. */
export interface RefusedFormat {
  readonly id: string;
  /** For people: 'TorchScript/PyTorch'. */
  readonly name: string;
  /** Whether this file is of this format, by its content. */
  sniff(file: InputFile): boolean;
  /** One line naming the file, what it is, and the way to a file Neurovis reads. */
  message(file: InputFile): string;
}

/**
 * Everything Neurovis knows about one model format (DESIGN.md §3: one format = one folder
 * plus one line in formats/registry.ts). The reader, the open dialogs, drag-and-drop, the
 * CLI, the companion-file search, the OS file associations and the error messages all
 * read these definitions; nothing else lists formats.
 */
export interface FormatDef {
  /** Unique key in the registry ('onnx', 'keras-h5', 'tfjs-layers' …). */
  readonly id: string;
  /** What the graph's source says (Keras .h5 and .keras share 'keras'). */
  readonly format: ModelFormat;
  /** For people, in error messages and dialogs: 'ONNX', 'Keras .h5'. */
  readonly name: string;
  /**
   * Lower-case endings of the main file, with the dot ('.onnx', '.neurovis.json', or a whole
   * name such as 'model.json'): detection's fallback when no format claims the content,
   * and (by their last extension) what open dialogs offer.
   */
  readonly extensions: readonly string[];
  /** Extensions of the files that come with the main one (ONNX '.data', TF.js '.bin'), offered by the open dialog too. */
  readonly companionExtensions?: readonly string[];
  /** The OS file associations of the desktop packages. */
  readonly associations?: readonly FileAssociation[];
  /** Whether this file is a main model file of this format, by its content (magic bytes, JSON keys). */
  sniff(file: InputFile): boolean;
  /**
   * The files this model names beside itself (relative paths as written in it: ONNX external
   * data, TF.js weight shards, a .neurovis.json's sidecar). Never throws: a broken file names none.
   */
  companions?(main: InputFile): string[];
  /**
   * Reads the model whose main file is `main`; `files` holds everything dropped with it
   * (TF.js shards, ONNX external data, a .neurovis.json's sidecar .npz). Throws ModelError
   * naming the file and the problem. The graph states where the model keeps its channels
   * (Graph.channelAxis: ONNX and NumPy first, Keras, TF.js and TFLite last unless the file says otherwise).
   */
  read(main: InputFile, files: readonly InputFile[], options: ReadOptions): Graph;
}
