import { unzipSync } from 'fflate';
import { ModelError } from '../../engine/graph';
import type { Tensor } from '../../engine/tensor';
import { decodeNpy } from './npy';

/** Zip local-file-header magic: every .npz starts with it. */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** An uncompressed member may not claim more than this (a zip bomb or a lying header). */
const MAX_MEMBER_BYTES = 1 << 30;

/** The arrays of an .npz (np.savez / np.savez_compressed), by name without the .npy suffix, in file order. */
export function decodeNpz(bytes: Uint8Array, where: string): Map<string, Tensor> {
  if (!isZip(bytes)) throw new ModelError(`${where}: not an .npz (zip) file`);
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes, {
      filter: (f) => {
        if (f.originalSize > MAX_MEMBER_BYTES || (f.compression !== 0 && f.originalSize > 1032 * f.size + 1024)) {
          throw new ModelError(`${where}: member ${f.name} claims ${f.originalSize} bytes from ${f.size}`);
        }
        return f.name.endsWith('.npy');
      },
    });
  } catch (e) {
    if (e instanceof ModelError) throw e;
    throw new ModelError(`${where}: not a readable .npz (${e instanceof Error ? e.message : String(e)})`);
  }
  const arrays = new Map<string, Tensor>();
  for (const [name, data] of Object.entries(members)) arrays.set(name.replace(/\.npy$/, ''), decodeNpy(data, `${where}: ${name}`));
  if (arrays.size === 0) throw new ModelError(`${where}: the .npz holds no arrays`);
  return arrays;
}
