import type { FormatDef } from '../types';
import { chainGraph } from './chain';
import { decodeNpy, isNpy } from './npy';
import { decodeNpz, isZip } from './npz';

export const npyFormat: FormatDef = {
  id: 'npy',
  format: 'numpy',
  name: 'NumPy .npy',
  extensions: ['.npy'],
  associations: [{ ext: 'npy', name: 'NumPy array', description: 'NumPy array (.npy), read as a weight matrix', mimeType: 'application/x-npy', role: 'Viewer', rank: 'Alternate' }],
  sniff: (file) => isNpy(file.bytes),
  read(main, _files, options) {
    const name = main.name.replace(/^.*[\\/]/, '').replace(/\.npy$/i, '');
    return chainGraph(new Map([[name, decodeNpy(main.bytes, main.name)]]), main.name, options, 'numpy .npy');
  },
};

export const npzFormat: FormatDef = {
  id: 'npz',
  format: 'numpy',
  name: 'NumPy .npz',
  extensions: ['.npz'],
  associations: [
    { ext: 'npz', name: 'NumPy weight archive', description: 'NumPy arrays (.npz), read as a chain of weight matrices', mimeType: 'application/x-npz', role: 'Viewer', rank: 'Alternate' },
  ],
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
