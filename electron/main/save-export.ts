// Saving exports: one file through a save dialog, or several files into a
// folder chosen with a folder dialog. The request comes from the renderer, so
// it is checked as untrusted; files are written under a temporary name and
// renamed, so a failed export never leaves a half-written file behind.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ExportFile, ExportFilter, ExportRequest, SaveResult } from '../preload/api';
import { writeFileAtomic } from './json-store';

const MAX_EXPORT_FILES = 10_000;
const MAX_EXPORT_BYTES = 4 * 1024 ** 3;

export class ExportRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportRequestError';
  }
}

/** Characters no file name may hold on Windows (and '/' nowhere); control characters are refused too. */
const FORBIDDEN_CHARACTERS = new Set(['<', '>', ':', '"', '/', '\\', '|', '?', '*']);
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

/** Why `name` cannot be a file name on any of our platforms, or null if it can. */
export function fileNameProblem(name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'an empty file name';
  if (name.length > 255) return `"${name.slice(0, 40)}…": a file name longer than 255 characters`;
  if (name === '.' || name === '..') return `"${name}": not a file name`;
  if ([...name].some((c) => c < ' ' || FORBIDDEN_CHARACTERS.has(c))) return `"${name}": a file name cannot hold / \\ : * ? " < > | or control characters`;
  if (/[. ]$/.test(name)) return `"${name}": a file name cannot end with a dot or a space`;
  if (WINDOWS_RESERVED.test(name)) return `"${name}": a name Windows reserves`;
  return null;
}

export function checkName(name: unknown, what: string): string {
  const problem = fileNameProblem(name);
  if (problem) throw new ExportRequestError(`${what}: ${problem}`);
  return name as string;
}

export function checkBytes(bytes: unknown, what: string): Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new ExportRequestError(`${what}: the data is not bytes`);
  return bytes;
}

function checkFilters(filters: unknown): ExportFilter[] | undefined {
  if (filters === undefined) return undefined;
  if (!Array.isArray(filters) || filters.length > 20) throw new ExportRequestError('export filters: not a short list');
  return filters.map((f: unknown) => {
    const { name, extensions } = (f ?? {}) as { name?: unknown; extensions?: unknown };
    if (typeof name !== 'string' || name.length > 100) throw new ExportRequestError('export filter: a name is needed');
    if (!Array.isArray(extensions) || extensions.length > 20 || !extensions.every((e) => typeof e === 'string' && /^[A-Za-z0-9*]{1,16}$/.test(e))) {
      throw new ExportRequestError(`export filter ${name}: extensions must be like "png" (without dots)`);
    }
    return { name, extensions: [...(extensions as string[])] };
  });
}

/** The request, checked field by field (it comes from the renderer). */
export function validateExportRequest(request: unknown): ExportRequest {
  if (typeof request !== 'object' || request === null) throw new ExportRequestError('export: no request');
  const r = request as Record<string, unknown>;
  if (r.kind === 'file') {
    const suggestedName = checkName(r.suggestedName, 'export');
    const bytes = checkBytes(r.bytes, suggestedName);
    if (bytes.length > MAX_EXPORT_BYTES) throw new ExportRequestError(`${suggestedName}: too big to export`);
    const filters = checkFilters(r.filters);
    return filters ? { kind: 'file', suggestedName, bytes, filters } : { kind: 'file', suggestedName, bytes };
  }
  if (r.kind === 'folder') {
    const folderName = r.folderName === undefined ? undefined : checkName(r.folderName, 'export folder');
    if (!Array.isArray(r.files) || r.files.length === 0) throw new ExportRequestError('export: no files to write');
    if (r.files.length > MAX_EXPORT_FILES) throw new ExportRequestError(`export: ${r.files.length} files, more than ${MAX_EXPORT_FILES}`);
    const names = new Set<string>();
    let total = 0;
    const files: ExportFile[] = r.files.map((f: unknown) => {
      const { name, bytes } = (f ?? {}) as { name?: unknown; bytes?: unknown };
      const checkedName = checkName(name, 'export');
      const lower = checkedName.toLowerCase();
      if (names.has(lower)) throw new ExportRequestError(`export: "${checkedName}" appears twice`);
      names.add(lower);
      const checkedBytes = checkBytes(bytes, checkedName);
      total += checkedBytes.length;
      return { name: checkedName, bytes: checkedBytes };
    });
    if (total > MAX_EXPORT_BYTES) throw new ExportRequestError('export: the files together are too big');
    return folderName === undefined ? { kind: 'folder', files } : { kind: 'folder', folderName, files };
  }
  throw new ExportRequestError('export: unknown kind');
}

/** Writes the files into `folder` (created if needed); returns their paths. */
async function writeExportFolder(folder: string, files: readonly ExportFile[]): Promise<string[]> {
  await fs.mkdir(folder, { recursive: true });
  const written: string[] = [];
  for (const file of files) {
    const target = path.join(folder, file.name);
    await writeFileAtomic(target, file.bytes);
    written.push(target);
  }
  return written;
}

/** What an export folder may hold to be replaced by a new export: an export's own files and folders. */
const EXPORT_ENDINGS = new Set(['.npy', '.png', '.svg', '.json']);

/**
 * Writes the export as a whole (as the CLI writes galleries, cli/staging.ts): into a temporary
 * folder beside `folder`, which then replaces it in one rename, the previous export kept until
 * that moment; on failure the temporary folder is removed. A folder holding other files is
 * never replaced.
 */
export async function replaceExportFolder(folder: string, files: readonly ExportFile[]): Promise<string[]> {
  const staging = await stagingFor(folder);
  try {
    await writeExportFolder(staging, files);
    await swapIn(staging, folder);
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
  return files.map((f) => path.join(folder, f.name));
}

/** A new temporary folder beside `folder`, once `folder` is known to hold nothing but an export's files. */
export async function stagingFor(folder: string): Promise<string> {
  const entries = await fs.readdir(folder, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [];
    throw e;
  });
  const foreign = entries.find((e) => !(e.isDirectory() || (e.isFile() && EXPORT_ENDINGS.has(path.extname(e.name).toLowerCase()))));
  if (foreign) throw new Error(`${folder} holds "${foreign.name}", which is not part of an export; choose another folder`);
  return fs.mkdtemp(path.join(path.dirname(folder), `.${path.basename(folder)}.neurovis-`));
}

/** Puts the written `staging` folder in the place of `folder` in one rename, the previous export kept until that moment. */
export async function swapIn(staging: string, folder: string): Promise<void> {
  const previous = (await exists(folder)) ? `${staging}-previous` : undefined;
  if (previous) await fs.rename(folder, previous);
  try {
    await fs.rename(staging, folder);
  } catch (e) {
    if (previous) await fs.rename(previous, folder);
    throw e;
  }
  if (previous) await fs.rm(previous, { recursive: true, force: true });
}

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    () => true,
    () => false,
  );
}

/** The native dialogs `saveExport` needs (Electron's `dialog`, bound to the window). */
export interface ExportDialogs {
  showSaveDialog(options: { defaultPath: string; filters?: ExportFilter[] }): Promise<{ canceled: boolean; filePath?: string }>;
  showOpenFolderDialog(options: { defaultPath: string }): Promise<{ canceled: boolean; filePaths: string[] }>;
}

export interface ExportFolders {
  /** The folder used last time, if any. */
  lastFolder(): Promise<string | undefined>;
  remember(folder: string): Promise<void>;
  /** Where to start the first time (the user's Documents folder). */
  fallbackFolder: string;
}

export async function saveExport(untrusted: unknown, dialogs: ExportDialogs, folders: ExportFolders): Promise<SaveResult> {
  const request = validateExportRequest(untrusted);
  const start = (await folders.lastFolder()) ?? folders.fallbackFolder;
  if (request.kind === 'file') {
    const options = request.filters
      ? { defaultPath: path.join(start, request.suggestedName), filters: request.filters }
      : { defaultPath: path.join(start, request.suggestedName) };
    const choice = await dialogs.showSaveDialog(options);
    if (choice.canceled || !choice.filePath) return { saved: false };
    const target = path.resolve(choice.filePath);
    await writeFileAtomic(target, request.bytes);
    await folders.remember(path.dirname(target));
    return { saved: true, paths: [target] };
  }
  const choice = await dialogs.showOpenFolderDialog({ defaultPath: start });
  const chosen = choice.filePaths[0];
  if (choice.canceled || !chosen) return { saved: false };
  const parent = path.resolve(chosen);
  const folder = request.folderName ? path.join(parent, request.folderName) : parent;
  const paths = request.folderName ? await replaceExportFolder(folder, request.files) : await writeExportFolder(folder, request.files);
  await folders.remember(parent);
  return { saved: true, paths };
}
