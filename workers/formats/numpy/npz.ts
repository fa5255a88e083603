import { ModelError, errorMessage } from '../../engine/graph';
import type { Tensor } from '../../engine/tensor';
import { ZipArchive } from '../zip/index';
import { decodeNpy } from './npy';

/** Zip local-file-header magic: every .npz starts with it. */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** The arrays of an .npz (np.savez / np.savez_compressed), by name without the .npy suffix, in file order. */
export function decodeNpz(bytes: Uint8Array, where: string): Map<string, Tensor> {
  if (!isZip(bytes)) throw new ModelError(`${where}: not an .npz (zip) file`);
  const arrays = new Map<string, Tensor>();
  try {
    // ZipArchive refuses overlapping members and counts each inflated member against the memory budget.
    const zip = new ZipArchive(bytes);
    for (const entry of zip.entries) {
      if (entry.name.endsWith('.npy')) arrays.set(entry.name.replace(/\.npy$/, ''), decodeNpy(zip.read(entry), `${where}: ${entry.name}`));
    }
  } catch (e) {
    if (e instanceof ModelError) throw e.message.startsWith(where) ? e : new ModelError(`${where}: ${e.message}`);
    throw new ModelError(`${where}: not a readable .npz (${errorMessage(e)})`);
  }
  if (arrays.size === 0) throw new ModelError(`${where}: the .npz holds no arrays`);
  return arrays;
}
