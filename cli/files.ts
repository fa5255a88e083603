import { readFile, rename, stat, writeFile, mkdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ModelError } from '../workers/engine/graph';
import { companionsOf, isLocalReference } from '../workers/formats/companions';
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
