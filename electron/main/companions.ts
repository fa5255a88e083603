// The files a model needs or may use beside it (workers/formats/companions.ts: each format's
// rule in its FormatDef — TF.js weight shards, ONNX external data, a Keras weights-only .h5's
// architecture JSON, the .npz sidecar of a .neurovis.json — and the output labels), and where
// on disk they may be read from.
import path from 'node:path';
import { companionsOf, isLocalReference } from '../../workers/formats/companions';

/** More companions than this is not a model we can hold anyway. */
const MAX_COMPANIONS = 1024;

/** The companion references inside a model file, as written there (relative paths), by its format's rule. */
export function companionReferences(fileName: string, bytes: Uint8Array): string[] {
  return companionsOf({ name: fileName, bytes }).required;
}

/**
 * Where a reference points, if it stays inside the model's folder: no absolute
 * paths, no `..`, no URLs. A model file downloaded from anywhere must not make
 * us read (and hand to the renderer) a file elsewhere on the disk.
 */
export function resolveCompanion(modelPath: string, reference: string): string | null {
  if (!isLocalReference(reference)) return null;
  const parts = reference.split(/[\\/]+/);
  const dir = path.dirname(modelPath);
  const resolved = path.resolve(dir, ...parts.filter((p) => p !== '' && p !== '.'));
  if (!resolved.startsWith(dir + path.sep)) return null;
  return resolved;
}

export interface CompanionPlan {
  /** The files the model names: each must be there. */
  paths: string[];
  /** Files read when they are there (output labels). */
  optional: string[];
  /** References we refuse to follow, with the reason. */
  refused: { reference: string; message: string }[];
}

export function planCompanions(modelPath: string, bytes: Uint8Array): CompanionPlan {
  const name = path.basename(modelPath);
  const companions = companionsOf({ name, bytes });
  const plan: CompanionPlan = { paths: [], optional: companions.optional.map((n) => path.join(path.dirname(modelPath), n)), refused: [] };
  for (const reference of companions.required) {
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
