// Reads the files the user opened (dialog, drop, argv, recent list) and the
// companions those models name beside them, into what the renderer receives.
import path from 'node:path';
import type { HostFile, HostFileError, OpenedFiles } from '../preload/api';
import { planCompanions } from './companions';
import { FileAccessError, MAX_FILE_BYTES, formatBytes, readValidatedFile, validateFilePath } from './file-access';
import { errorMessage } from '../../workers/engine/graph';

/** At most this many files in one drop or command line. */
const MAX_OPENED_FILES = 64;
/** All files of one opening together (a 2 GiB ONNX file plus its external data, say). */
const MAX_TOTAL_BYTES = 4 * 1024 ** 3;

export interface OpenLimits {
  maxFiles: number;
  maxFileBytes: number;
  maxTotalBytes: number;
}

const DEFAULT_LIMITS: OpenLimits = { maxFiles: MAX_OPENED_FILES, maxFileBytes: MAX_FILE_BYTES, maxTotalBytes: MAX_TOTAL_BYTES };

function toError(candidate: unknown, error: unknown): HostFileError {
  const filePath = error instanceof FileAccessError ? error.filePath : String(candidate);
  return {
    name: path.basename(filePath),
    path: filePath,
    message: errorMessage(error),
  };
}

const samePath = (p: string) => (process.platform === 'win32' || process.platform === 'darwin' ? p.toLowerCase() : p);

/**
 * Reads `candidates` (untrusted: anything the renderer sent) in order, then the
 * companions each model names. A file that cannot be read becomes an entry of
 * `errors`; the others are still returned.
 */
export async function readModelFiles(candidates: readonly unknown[], limits: Partial<OpenLimits> = {}): Promise<OpenedFiles> {
  const { maxFiles, maxFileBytes, maxTotalBytes } = { ...DEFAULT_LIMITS, ...limits };
  const files: HostFile[] = [];
  const errors: HostFileError[] = [];
  const taken = new Set<string>();
  let totalBytes = 0;

  if (candidates.length > maxFiles) {
    errors.push({ name: '', path: '', message: `${candidates.length} files at once; Neurovis opens at most ${maxFiles} (the first ${maxFiles} were read)` });
  }

  const readOne = async (candidate: unknown, companionOf?: { model: string; reference: string; optional?: boolean }): Promise<HostFile | null> => {
    try {
      const checked = await validateFilePath(candidate, maxFileBytes);
      if (taken.has(samePath(checked.path))) return null;
      if (totalBytes + checked.size > maxTotalBytes) {
        throw new FileAccessError(checked.path, `${checked.name}: not read, the files together would exceed ${formatBytes(maxTotalBytes)}`);
      }
      const file = await readValidatedFile(checked.path, maxFileBytes);
      taken.add(samePath(file.path));
      totalBytes += file.bytes.length;
      files.push(file);
      return file;
    } catch (error) {
      const e = toError(candidate, error);
      if (companionOf?.optional && (error as FileAccessError).message?.includes('no such file')) return null;
      if (companionOf && (error as FileAccessError).message?.includes('no such file')) {
        e.message = `${companionOf.model} needs "${companionOf.reference}" beside it, which is missing`;
      }
      errors.push(e);
      return null;
    }
  };

  const primaries: HostFile[] = [];
  for (const candidate of candidates.slice(0, maxFiles)) {
    const file = await readOne(candidate);
    if (file) primaries.push(file);
  }
  for (const model of primaries) {
    const plan = planCompanions(model.path, model.bytes);
    for (const refused of plan.refused) errors.push({ name: model.name, path: model.path, message: refused.message });
    for (const companion of plan.paths) {
      const reference = path.relative(path.dirname(model.path), companion);
      await readOne(companion, { model: model.name, reference });
    }
    for (const labels of plan.optional) await readOne(labels, { model: model.name, reference: path.basename(labels), optional: true });
  }
  return { files, errors };
}
