import { ModelError, errorMessage } from '../../engine/graph';
import type { Tensor } from '../../engine/tensor';
import { decodeNpz } from '../numpy/npz';
import { tryParseJson } from '../try-json';
import type { FormatDef, InputFile } from '../types';
import { buildGraph, materialize } from './network';
import { NEUROVIS_FORMAT, NEUROVIS_VERSION, type NetworkSpec } from './spec';

const LAYER_KINDS = new Set(['dense', 'conv1d', 'conv2d', 'avgpool', 'maxpool', 'flatten', 'batchnorm', 'activation']);
const MAX_JSON_BYTES = 512 * 1024 * 1024;

function looksLikeNeurovis(bytes: Uint8Array): boolean {
  let i = 0;
  while (i < bytes.length && i < 64 && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09 || bytes[i] === 0xef || bytes[i] === 0xbb || bytes[i] === 0xbf)) i++;
  if (bytes[i] !== 0x7b) return false;
  const head = new TextDecoder().decode(bytes.subarray(0, 4096));
  return /"format"\s*:\s*"neurovis"/.test(head);
}

/** Parses and checks the JSON of a .neurovis.json; shapes are checked by materialize. */
export function parseNetworkSpec(bytes: Uint8Array, where: string): NetworkSpec {
  if (bytes.length > MAX_JSON_BYTES) throw new ModelError(`${where}: ${bytes.length} bytes of JSON is more than Neurovis reads`);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new ModelError(`${where}: not valid JSON (${errorMessage(e)})`);
  }
  if (typeof value !== 'object' || value === null) throw new ModelError(`${where}: not a Neurovis network`);
  const spec = value as Partial<NetworkSpec>;
  if (spec.format !== NEUROVIS_FORMAT) throw new ModelError(`${where}: not a Neurovis network (no "format": "neurovis")`);
  if (typeof spec.version !== 'number' || spec.version < 1) throw new ModelError(`${where}: missing or bad "version"`);
  if (spec.version > NEUROVIS_VERSION) throw new ModelError(`${where}: written by a newer Neurovis (format version ${spec.version}; this one reads ${NEUROVIS_VERSION})`);
  if (!spec.input || !Array.isArray(spec.input.shape)) throw new ModelError(`${where}: "input.shape" is missing`);
  if (!Array.isArray(spec.layers)) throw new ModelError(`${where}: "layers" is missing`);
  spec.layers.forEach((l, i) => {
    if (typeof l !== 'object' || l === null || !LAYER_KINDS.has((l as { kind?: string }).kind ?? '')) {
      throw new ModelError(`${where}: layer ${i + 1} has no known "kind" (${[...LAYER_KINDS].join(', ')})`);
    }
  });
  return { ...spec, name: typeof spec.name === 'string' ? spec.name : 'network' } as NetworkSpec;
}

function findSidecar(spec: NetworkSpec, files: readonly InputFile[], where: string): Map<string, Tensor> | undefined {
  if (!spec.sidecar) return undefined;
  const file = files.find((f) => f.name === spec.sidecar || f.name.endsWith(`/${spec.sidecar}`));
  if (!file) throw new ModelError(`${where}: its weights are in "${spec.sidecar}"; drop that file together with it`);
  return decodeNpz(file.bytes, file.name);
}

/** The .npz a network keeps its weights in, when it names one. */
function sidecarOf(main: InputFile): string[] {
  const sidecar = (tryParseJson(main.bytes) as { sidecar?: unknown } | null | undefined)?.sidecar;
  return typeof sidecar === 'string' ? [sidecar] : [];
}

export const neurovisFormat: FormatDef = {
  id: 'neurovis',
  format: 'neurovis',
  name: 'Neurovis .neurovis.json',
  extensions: ['.neurovis.json'],
  // Windows and macOS associate by the last extension only (.json, which we do not
  // claim); Linux matches the whole `*.neurovis.json` glob.
  associations: [{ ext: 'neurovis.json', name: 'Neurovis network', description: 'Neurovis network (built in the app)', mimeType: 'application/x-neurovis+json', role: 'Editor', rank: 'Owner' }],
  sniff: (file) => looksLikeNeurovis(file.bytes),
  companions: sidecarOf,
  read(main, files) {
    const spec = parseNetworkSpec(main.bytes, main.name);
    const network = materialize(spec, findSidecar(spec, files, main.name), main.name);
    return buildGraph(network, main.name);
  },
};
