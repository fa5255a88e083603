// The files a model needs beside it, named in the model file itself:
// TF.js weight shards (model.json weightsManifest[].paths), ONNX external data
// (TensorProto.external_data location) and the .npz sidecar of a .neurovis.json.
import path from 'node:path';
import { onnxExternalDataLocations } from '../../workers/formats/onnx/external-data';

/** A model.json or .neurovis.json bigger than this is not parsed for companions. */
const MAX_JSON_BYTES = 256 * 1024 * 1024;
/** More companions than this is not a model we can hold anyway. */
export const MAX_COMPANIONS = 1024;

function parseJson(bytes: Uint8Array): unknown {
  if (bytes.length > MAX_JSON_BYTES) return undefined;
  try {
    return JSON.parse(new TextDecoder('utf-8').decode(bytes)) as unknown;
  } catch {
    return undefined;
  }
}

function tfjsShardPaths(json: unknown): string[] {
  if (typeof json !== 'object' || json === null) return [];
  const manifest = (json as { weightsManifest?: unknown }).weightsManifest;
  if (!Array.isArray(manifest)) return [];
  const paths: string[] = [];
  for (const group of manifest) {
    const groupPaths = (group as { paths?: unknown } | null)?.paths;
    if (!Array.isArray(groupPaths)) continue;
    for (const p of groupPaths) if (typeof p === 'string') paths.push(p);
  }
  return paths;
}

function neurovisSidecar(json: unknown): string[] {
  const sidecar = (json as { sidecar?: unknown } | null)?.sidecar;
  return typeof sidecar === 'string' ? [sidecar] : [];
}

/** The companion references inside a model file, as written there (relative paths). */
export function companionReferences(fileName: string, bytes: Uint8Array): string[] {
  const lower = fileName.toLowerCase();
  let refs: string[] = [];
  if (lower.endsWith('.neurovis.json')) refs = neurovisSidecar(parseJson(bytes));
  else if (lower.endsWith('.json')) refs = tfjsShardPaths(parseJson(bytes));
  else if (lower.endsWith('.onnx')) refs = onnxExternalDataLocations(bytes);
  return [...new Set(refs)];
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
