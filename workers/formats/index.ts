import { ModelError, type Graph } from '../engine/graph';
import { countingReads } from '../engine/budget';
import { withLabels } from './labels';
import { FORMATS, REFUSED_FORMATS } from './registry';
import type { FileAssociation, FormatDef, InputFile, ReadOptions } from './types';

export type { FileAssociation, FormatDef, InputFile, ReadOptions, RefusedFormat } from './types';
export { FORMATS } from './registry';

/** Files bigger than this are refused before they are read. */
export const MAX_MODEL_BYTES = 2 * 1024 ** 3;

function matchesExtension(format: FormatDef, name: string): boolean {
  const lower = name.toLowerCase();
  return format.extensions.some((e) => lower.endsWith(e));
}

/** The format of one file: by content first, by its name second; undefined when neither tells. */
export function formatOfFile(file: InputFile): FormatDef | undefined {
  return FORMATS.find((f) => f.sniff(file)) ?? FORMATS.find((f) => matchesExtension(f, file.name));
}

/** For messages: every format by its human name. */
export function formatNames(): string {
  return FORMATS.map((f) => f.name).join(', ');
}

/**
 * Picks the main file and its format: content first (magic bytes), extension second.
 * Several files dropped together belong together (TF.js model.json and its shards).
 */
export function detect(files: readonly InputFile[]): { reader: FormatDef; main: InputFile } {
  if (files.length === 0) throw new ModelError('no file given');
  for (const file of files) {
    for (const reader of FORMATS) if (reader.sniff(file)) return { reader, main: file };
  }
  for (const file of files) {
    const refused = REFUSED_FORMATS.find((f) => f.sniff(file));
    if (refused) throw new ModelError(refused.message(file));
  }
  for (const file of files) {
    for (const reader of FORMATS) if (matchesExtension(reader, file.name)) return { reader, main: file };
  }
  const names = files.map((f) => f.name).join(', ');
  throw new ModelError(`${names}: not a model file Neurovis can read (${formatNames()})`);
}

export function readModel(files: readonly InputFile[], options: ReadOptions = {}): Graph {
  const { reader, main } = detect(files);
  return countingReads(() => withLabels(reader.read(main, files, options), main, files));
}

/** The files a model file names beside itself (relative paths as written in it), by its format's rule. */
export function companionReferences(file: InputFile): string[] {
  return [...new Set(formatOfFile(file)?.companions?.(file) ?? [])];
}

/** The last extension of a file-name ending, without its dot: 'model.json' → 'json'. */
const lastExtension = (ending: string): string => ending.slice(ending.lastIndexOf('.') + 1);

/** What native open dialogs offer: the main files' extensions without the dot ('onnx', 'h5', 'json' …). */
export function openDialogExtensions(): string[] {
  return [...new Set(FORMATS.flatMap((f) => f.extensions.map(lastExtension)))];
}

/** The `accept` of a browser file input: main files and the files that come with them ('.onnx,.data,…'). */
export function acceptString(): string {
  const extensions = FORMATS.flatMap((f) => [...f.extensions, ...(f.companionExtensions ?? [])].map((e) => `.${lastExtension(e)}`));
  return [...new Set(extensions)].join(',');
}

/** The OS file associations of every format (electron-builder.yml holds the same; a test checks). */
export function fileAssociations(): FileAssociation[] {
  return FORMATS.flatMap((f) => f.associations ?? []);
}
