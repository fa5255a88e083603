import { open, readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import type { FileSink } from '../workers/export/sheet-files';
import { endianness } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { ModelError, errorMessage } from '../workers/engine/graph';
import { companionsOf, isLocalReference } from '../workers/formats/companions';
import { MAX_MODEL_BYTES } from '../workers/formats/index';
import type { InputFile } from '../workers/formats/types';
import { npyHeader } from '../workers/formats/numpy/npy';
import { checkExtraFiles } from '../workers/settings/validate';

/** Reads the named files after checking each is a regular file of a plausible size. */
export async function readInputFiles(paths: readonly string[]): Promise<InputFile[]> {
  const files: InputFile[] = [];
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch (e) {
      throw pathError(path, e, 'cannot read');
    }
    if (!info.isFile()) throw new ModelError(`${path}: not a file`);
    if (info.size > MAX_MODEL_BYTES) throw new ModelError(`${path}: ${info.size} bytes is more than Neurovis reads (${MAX_MODEL_BYTES})`);
    const buffer = await readFile(path);
    files.push({ name: basename(path), bytes: new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength) });
  }
  return files;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Reads the named model files and what goes with each beside it (workers/formats/companions.ts):
 * the files it names — ONNX external data, TF.js shards, a weights-only .h5's architecture JSON —
 * and, when present, its output labels. A named file that is not there is an error naming it.
 */
export async function readModelFiles(paths: readonly string[]): Promise<InputFile[]> {
  const given = await readInputFiles(paths);
  checkExtraFiles(given);
  const files = [...given];
  const taken = new Set(given.map((f) => f.name));
  const add = async (path: string): Promise<void> => {
    files.push(...(await readInputFiles([path])));
    taken.add(basename(path));
  };
  for (const [i, model] of given.entries()) {
    const dir = dirname(paths[i]);
    const { required, optional } = companionsOf(model);
    for (const reference of required) {
      if (!isLocalReference(reference)) throw new ModelError(`${paths[i]}: refers to "${reference}", outside the model's folder; not read`);
      const path = join(dir, reference);
      if (taken.has(basename(path))) continue;
      if (!(await isFile(path))) throw new ModelError(`${paths[i]} needs "${reference}" beside it, which is missing (${path})`);
      await add(path);
    }
    for (const name of optional) {
      const path = join(dir, name);
      if (!taken.has(name) && (await isFile(path))) await add(path);
    }
  }
  return files;
}

/** Writes a file into a gallery's temporary folder (cli/staging.ts makes the gallery atomic). */
export async function writeInto(dir: string, name: string, data: Uint8Array | string): Promise<void> {
  const path = join(dir, name);
  try {
    await writeFile(path, data);
  } catch (e) {
    throw pathError(path, e, 'cannot write');
  }
}

/** A float32 .npy being written row by row, in any order (cli/layer-stream.ts). */
export interface NpyRows {
  /** Writes `row` as row `index` of the array. */
  write(index: number, row: Float32Array): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens a float32 .npy of `shape` (rows × one row's shape, C order) whose rows are written as
 * they are computed, each at its place: a layer of a 224-pixel model holds hundreds of MB of
 * x*, which are never joined in memory (issue 18).
 */
export async function openNpyRows(dir: string, name: string, shape: readonly number[]): Promise<NpyRows> {
  const path = join(dir, name);
  const failed = (e: unknown): ModelError => pathError(path, e, 'cannot write');
  const file = await open(path, 'w').catch((e: unknown) => {
    throw failed(e);
  });
  const header = npyHeader(shape);
  const rowBytes = 4 * shape.slice(1).reduce((a, b) => a * b, 1);
  try {
    await file.write(header);
  } catch (e) {
    await file.close();
    throw failed(e);
  }
  return {
    async write(index, row) {
      const bytes = littleEndianBytes(row);
      await file.write(bytes, 0, bytes.byteLength, header.byteLength + index * rowBytes).catch((e: unknown) => {
        throw failed(e);
      });
    },
    async close() {
      await file.close().catch((e: unknown) => {
        throw failed(e);
      });
    },
  };
}

function littleEndianBytes(row: Float32Array): Uint8Array {
  if (endianness() === 'LE') return new Uint8Array(row.buffer, row.byteOffset, row.byteLength);
  const out = new Uint8Array(row.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < row.length; i++) view.setFloat32(i * 4, row[i], true);
  return out;
}

export async function ensureDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw pathError(dir, e, 'cannot create the folder');
  }
}

const CAUSES: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'is a folder',
  EEXIST: 'already exists',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
  EIO: 'an input/output error of the disk',
};

/** One line naming the path, what was being done and the cause (permission, disk full, read-only …). */
export function pathError(path: string, e: unknown, doing: string): ModelError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' && doing === 'cannot read') return new ModelError(`${path}: no such file`);
  const cause = code && CAUSES[code] ? `${CAUSES[code]} (${code})` : errorMessage(e);
  return new ModelError(`${path}: ${doing}: ${cause}`);
}

/** Files created in `dir` and written in order (workers/export/sheet-files.ts writes sheets through it). */
export function folderSink(dir: string): FileSink {
  return {
    async create(name) {
      const path = join(dir, name);
      const failed = (e: unknown): ModelError => pathError(path, e, 'cannot write');
      const file = await open(path, 'w').catch((e: unknown) => {
        throw failed(e);
      });
      return {
        async write(bytes) {
          try {
            for (let at = 0; at < bytes.byteLength; ) at += (await file.write(bytes, at)).bytesWritten;
          } catch (e) {
            await file.close().catch(() => undefined);
            throw failed(e);
          }
        },
        async close() {
          await file.close().catch((e: unknown) => {
            throw failed(e);
          });
        },
      };
    },
  };
}

/** A file this run wrote, read back (a per-neuron PNG, for its sheet). */
export async function readBack(dir: string, name: string): Promise<Uint8Array> {
  const path = join(dir, name);
  const buffer = await readFile(path).catch((e: unknown) => {
    throw pathError(path, e, 'cannot read');
  });
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
