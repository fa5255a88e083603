// Every file the main process reads for the renderer goes through here: the
// path is checked again (absolute, exists, a regular file, at most 2 GiB) no
// matter where it came from (dialog, drop, argv, recent list).
import { promises as fs, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import type { HostFile } from '../preload/api';
import { errorMessage } from '../../workers/engine/graph';

/** 2 GiB: the most a single model file may hold. */
export const MAX_FILE_BYTES = 2 * 1024 ** 3;

export class FileAccessError extends Error {
  constructor(
    readonly filePath: string,
    message: string,
  ) {
    super(message);
    this.name = 'FileAccessError';
  }
}

export interface ValidatedFile {
  path: string;
  name: string;
  size: number;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

function describeFsError(filePath: string, error: unknown): FileAccessError {
  const name = path.basename(filePath) || filePath;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new FileAccessError(filePath, `${name}: no such file (${filePath})`);
    case 'EACCES':
    case 'EPERM':
      return new FileAccessError(filePath, `${name}: permission denied`);
    case 'ELOOP':
      return new FileAccessError(filePath, `${name}: too many symbolic links`);
    default:
      return new FileAccessError(filePath, `${name}: cannot be read (${code ?? (errorMessage(error))})`);
  }
}

/** Checks a path the renderer or the OS gave us; throws FileAccessError with a message for the user. */
export async function validateFilePath(candidate: unknown, maxBytes: number = MAX_FILE_BYTES): Promise<ValidatedFile> {
  if (typeof candidate !== 'string' || candidate.length === 0) {
    throw new FileAccessError(String(candidate), 'not a file path');
  }
  if (candidate.length > 32_767 || candidate.includes('\0')) {
    throw new FileAccessError(candidate.slice(0, 200), 'not a valid file path');
  }
  if (!path.isAbsolute(candidate)) {
    throw new FileAccessError(candidate, `${candidate}: not an absolute path`);
  }
  const filePath = path.normalize(candidate);
  const name = path.basename(filePath);
  let stats;
  try {
    stats = await fs.stat(filePath);
  } catch (error) {
    throw describeFsError(filePath, error);
  }
  if (stats.isDirectory()) throw new FileAccessError(filePath, `${name}: is a folder, not a file`);
  if (!stats.isFile()) throw new FileAccessError(filePath, `${name}: not a regular file`);
  if (stats.size > maxBytes) {
    throw new FileAccessError(filePath, `${name}: ${formatBytes(stats.size)}, more than the ${formatBytes(maxBytes)} Neurovis reads`);
  }
  return { path: filePath, name, size: stats.size };
}

/**
 * Validates and reads one file. The size is checked again on the open handle,
 * and exactly that many bytes are read, so a file swapped or grown after the
 * check cannot make us read more.
 */
export async function readValidatedFile(candidate: unknown, maxBytes: number = MAX_FILE_BYTES): Promise<HostFile> {
  const file = await validateFilePath(candidate, maxBytes);
  // O_NONBLOCK: opening a FIFO that replaced the file must not hang (POSIX only).
  const flags = fsConstants.O_RDONLY | (process.platform === 'win32' ? 0 : fsConstants.O_NONBLOCK);
  let handle;
  try {
    handle = await fs.open(file.path, flags);
  } catch (error) {
    throw describeFsError(file.path, error);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new FileAccessError(file.path, `${file.name}: not a regular file`);
    if (stats.size > maxBytes) {
      throw new FileAccessError(file.path, `${file.name}: ${formatBytes(stats.size)}, more than the ${formatBytes(maxBytes)} Neurovis reads`);
    }
    const bytes = new Uint8Array(stats.size);
    let offset = 0;
    while (offset < bytes.length) {
      const { bytesRead } = await handle.read(bytes, offset, Math.min(bytes.length - offset, 64 * 1024 * 1024), offset);
      if (bytesRead === 0) throw new FileAccessError(file.path, `${file.name}: changed while it was being read`);
      offset += bytesRead;
    }
    return { name: file.name, path: file.path, bytes };
  } catch (error) {
    throw error instanceof FileAccessError ? error : describeFsError(file.path, error);
  } finally {
    await handle.close();
  }
}
