// The files a model needs beside it, named in the model file itself (each format's
// rule is in its FormatDef: TF.js weight shards, ONNX external data, the .npz sidecar
// of a .neurovis.json), and where on disk they may be read from.
import path from 'node:path';
import { companionReferences as formatCompanions } from '../../workers/formats/index';

/** More companions than this is not a model we can hold anyway. */
export const MAX_COMPANIONS = 1024;

/** The companion references inside a model file, as written there (relative paths), by its format's rule. */
export function companionReferences(fileName: string, bytes: Uint8Array): string[] {
  return formatCompanions({ name: fileName, bytes });
}

/**
 * Where a reference points, if it stays inside the model's folder: no absolute
 * paths, no `..`, no URLs. A model file downloaded from anywhere must not make
 * us read (and hand to the renderer) a file elsewhere on the disk.
 */
export function resolveCompanion(modelPath: string, reference: string): string | null {
  if (reference === '' || reference.includes('\0') || reference.length > 1024) return null;
  if (/^[a-z][a-z0-9+.-]*:/i.test(reference)) return null; // URL or drive letter
  const parts = reference.split(/[\\/]+/);
  if (reference.startsWith('/') || reference.startsWith('\\')) return null;
  if (parts.some((p) => p === '..')) return null;
  const dir = path.dirname(modelPath);
  const resolved = path.resolve(dir, ...parts.filter((p) => p !== '' && p !== '.'));
  if (!resolved.startsWith(dir + path.sep)) return null;
  return resolved;
}

export interface CompanionPlan {
  paths: string[];
  /** References we refuse to follow, with the reason. */
  refused: { reference: string; message: string }[];
}

export function planCompanions(modelPath: string, bytes: Uint8Array): CompanionPlan {
  const name = path.basename(modelPath);
  const plan: CompanionPlan = { paths: [], refused: [] };
  for (const reference of companionReferences(name, bytes)) {
    const resolved = resolveCompanion(modelPath, reference);
    if (resolved === null) {
      plan.refused.push({ reference, message: `${name}: refers to "${reference}", outside the model's folder; not read` });
    } else if (plan.paths.length >= MAX_COMPANIONS) {
      plan.refused.push({ reference, message: `${name}: refers to more than ${MAX_COMPANIONS} files; "${reference}" and the rest not read` });
      break;
    } else {
      plan.paths.push(resolved);
    }
  }
  return plan;
}
