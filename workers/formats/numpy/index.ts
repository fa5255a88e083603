import type { FormatReader } from '../types';
import { chainGraph } from './chain';
import { decodeNpy, isNpy } from './npy';
import { decodeNpz, isZip } from './npz';

const npyReader: FormatReader = {
  format: 'numpy',
  extensions: ['.npy'],
  sniff: (file) => isNpy(file.bytes),
  read(main, _files, options) {
    const name = main.name.replace(/^.*[\\/]/, '').replace(/\.npy$/i, '');
    return chainGraph(new Map([[name, decodeNpy(main.bytes, main.name)]]), main.name, options, 'numpy .npy');
  },
};

const npzReader: FormatReader = {
  format: 'numpy',
  extensions: ['.npz'],
  // Keras 3 .keras archives are zips too: only claim a zip whose members are .npy files.
  sniff: (file) => isZip(file.bytes) && firstMemberIsNpy(file.bytes),
  read(main, _files, options) {
    return chainGraph(decodeNpz(main.bytes, main.name), main.name, options, 'numpy .npz');
  },
};

/** Reads the name of the first zip member from its local header. */
function firstMemberIsNpy(bytes: Uint8Array): boolean {
  if (bytes.length < 30) return false;
  const nameLength = bytes[26] | (bytes[27] << 8);
  if (30 + nameLength > bytes.length) return false;
  const name = new TextDecoder().decode(bytes.subarray(30, 30 + nameLength));
  return name.endsWith('.npy');
}

export const numpyReaders: FormatReader[] = [npyReader, npzReader];
