// The files that go with a model file, from its name and bytes alone. The CLI (cli/files.ts)
// and the desktop app (electron/main/companions.ts) look them up beside the model on disk.
// Two kinds: `required`, which the model names (each format's rule: FormatDef.companions —
// ONNX external data, TF.js shards, a Keras weights-only .h5's architecture JSON, a
// .neurovis.json's sidecar), and `optional`, read when present: the labels of its outputs.
import { FORMATS } from './registry';
import { companionReferences } from './index';
import type { InputFile } from './types';
import { baseName } from './file-name';

export interface Companions {
  /** Relative paths as written in the model (or derived from its name); missing ones are an error. */
  required: string[];
  /** Names beside the model that are read when they exist. */
  optional: string[];
}


/** A model's name without its format's ending: 'mlp.neurovis.json' → 'mlp', 'model.onnx' → 'model'. */
export function stemOf(fileName: string): string {
  const name = baseName(fileName);
  const lower = name.toLowerCase();
  const ending = FORMATS.flatMap((f) => f.extensions)
    .filter((e) => e.startsWith('.') && lower.endsWith(e) && lower.length > e.length)
    .sort((a, b) => b.length - a.length)[0];
  if (ending) return name.slice(0, -ending.length);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/** Output labels beside a model: Teachable Machine's metadata.json, labels.txt and `<stem>.labels`. */
export function labelFileNames(modelName: string): string[] {
  const own = baseName(modelName);
  return ['metadata.json', 'labels.txt', `${stemOf(modelName)}.labels`].filter((n) => n !== own);
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
