import { readFile, rename, stat, writeFile, mkdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ModelError } from '../workers/engine/graph';
import { MAX_MODEL_BYTES } from '../workers/formats/index';
import type { InputFile } from '../workers/formats/types';

/** Reads the named files after checking each is a regular file of a plausible size. */
export async function readInputFiles(paths: readonly string[]): Promise<InputFile[]> {
  const files: InputFile[] = [];
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch {
      throw new ModelError(`${path}: no such file`);
    }
    if (!info.isFile()) throw new ModelError(`${path}: not a file`);
    if (info.size > MAX_MODEL_BYTES) throw new ModelError(`${path}: ${info.size} bytes is more than Neurovis reads (${MAX_MODEL_BYTES})`);
    const buffer = await readFile(path);
    files.push({ name: basename(path), bytes: new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength) });
  }
  return files;
}

/** Writes a file completely or not at all: a temporary name first, then a rename. */
export async function writeAtomic(dir: string, name: string, data: Uint8Array | string): Promise<void> {
  const target = join(dir, name);
  const temporary = join(dir, `.${name}.${process.pid}.part`);
  try {
    await writeFile(temporary, data);
    await rename(temporary, target);
  } catch (e) {
    await rm(temporary, { force: true });
    throw e;
  }
}

export async function ensureDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new ModelError(`${dir}: cannot create the output folder (${e instanceof Error ? e.message : String(e)})`);
  }
}
