import { errorMessage, ModelError } from '../../engine/graph';
import { Hdf5Error } from '../hdf5/index';
import { ZipError } from '../zip/index';

/**
 * Every failure of a reader as one ModelError naming the file: format errors say what is
 * wrong with the file; anything else is labelled internal, so tests can tell them apart.
 */
function asModelError(e: unknown, fileName: string): ModelError {
  if (e instanceof ModelError) return e.message.includes(fileName) ? e : new ModelError(`${fileName}: ${e.message}`);
  if (e instanceof Hdf5Error) return new ModelError(`${fileName}: corrupt or unsupported HDF5 data: ${e.message}`);
  if (e instanceof ZipError) return new ModelError(`${fileName}: corrupt or unsupported archive: ${e.message}`);
  const message = e instanceof Error ? `${e.name}: ${e.message}` : errorMessage(e);
  return new ModelError(`${fileName}: cannot read the model (internal: ${message})`);
}

export function guarded<T>(fileName: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw asModelError(e, fileName);
  }
}
