// The files that go with a model file, from its name and bytes alone, as the registry says.
// The CLI (cli/files.ts) and the desktop app (electron/main/companions.ts) look them up
// beside the model on disk. Two kinds: `required`, which the model names (its format's
// FormatDef.companions: ONNX external data, TF.js shards, a Keras weights-only .h5's
// architecture JSON, a .neurovis.json's sidecar), and `optional`, read when present: the
// label files (the registry's LABEL_FILES).
import { companionReferences } from './index';
import { labelFileNames } from './labels';
import type { InputFile } from './types';

export interface Companions {
  /** Relative paths as written in the model (or derived from its name); missing ones are an error. */
  required: string[];
  /** Names beside the model that are read when they exist. */
  optional: string[];
}

/** Everything that goes with `file`, by its format's rule and the label rule. */
export function companionsOf(file: InputFile): Companions {
  const required = companionReferences(file);
  const optional = labelFileNames(file.name).filter((n) => !required.includes(n));
  return { required, optional };
}

/**
 * Whether a reference written in a model file stays in the model's folder: relative, no `..`,
 * no URL or drive letter, no NUL. A model from anywhere must not make us read a file elsewhere.
 */
export function isLocalReference(reference: string): boolean {
  if (reference === '' || reference.includes('\0') || reference.length > 1024) return false;
  if (/^[a-z][a-z0-9+.-]*:/i.test(reference)) return false; // URL or drive letter
  if (reference.startsWith('/') || reference.startsWith('\\')) return false;
  const parts = reference.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  return parts.length > 0 && !parts.includes('..');
}
