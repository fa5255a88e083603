// Atomic galleries (issue 19): a gallery is written into a temporary folder beside --out and
// replaces the previous one in one rename when it is complete. On failure or interrupt the
// temporary folder is removed, so --out never holds a mix of two runs.
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { ModelError } from '../workers/engine/graph';
import { pathError } from './files';

/** What a folder may hold to be replaced by a new gallery: a gallery's own files and folders. */
const GALLERY_ENDINGS = new Set(['.npy', '.png', '.svg', '.json']);

export interface Staging {
  /** The temporary folder the gallery is written into. */
  readonly dir: string;
  /** Moves the complete gallery to --out (the previous one is kept until this moment). */
  commit(): void;
  /** Removes the temporary folder (failure or interrupt). */
  discard(): void;
}

/**
 * Creates the temporary folder beside `out` at once, so an unwritable --out fails before any
 * work with its path and cause; refuses an --out that holds files which are not a gallery.
 */
export function stageGallery(out: string): Staging {
  const target = resolve(out);
  checkReplaceable(target);
  const parent = dirname(target);
  try {
    mkdirSync(parent, { recursive: true });
  } catch (e) {
    throw pathError(parent, e, 'cannot create the output folder');
  }
  let dir: string;
  try {
    dir = mkdtempSync(join(parent, `.${basename(target)}.neurovis-`));
  } catch (e) {
    throw pathError(parent, e, 'cannot write the gallery here');
  }
  let done = false;
  return {
    dir,
    commit() {
      if (done) return;
      const previous = exists(target) ? `${dir}-previous` : undefined;
      try {
        if (previous) renameSync(target, previous);
        renameSync(dir, target);
      } catch (e) {
        if (previous && !exists(target)) renameSync(previous, target);
        throw pathError(target, e, 'cannot put the gallery in place');
      }
      done = true;
      if (previous) rmSync(previous, { recursive: true, force: true });
    },
    discard() {
      if (done) return;
      done = true;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** A new gallery replaces only a folder that is empty or holds a gallery, never a folder of other files. */
function checkReplaceable(target: string): void {
  let entries;
  try {
    entries = readdirSync(target, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR' && isFile(target)) throw new ModelError(`${target}: --out names a file, not a folder`);
    throw pathError(target, e, code === 'ENOTDIR' ? 'cannot create the output folder' : 'cannot read the output folder');
  }
  const foreign = entries.find((e) => !(e.isDirectory() || (e.isFile() && GALLERY_ENDINGS.has(extname(e.name).toLowerCase()))));
  if (foreign) throw new ModelError(`${target}: holds "${foreign.name}", which is not part of a gallery; choose an empty or new folder for --out (a gallery replaces the folder)`);
}

/**
 * While a gallery is written: SIGINT and SIGTERM remove the temporary folder and exit 130 / 143.
 * Returns the function that removes the handlers.
 */
export function cleanUpOnSignals(staging: Staging): () => void {
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((signal) => {
    const handler = (): void => {
      staging.discard();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    };
    process.once(signal, handler);
    return () => process.removeListener(signal, handler);
  });
  return () => handlers.forEach((remove) => remove());
}
