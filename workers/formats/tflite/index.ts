import { ModelError, errorMessage } from '../../engine/graph';
import type { FormatDef } from '../types';
import { embeddedLabels } from './metadata';
import { readTflModel } from './schema';
import { translateTflite } from './translate';

/** A TFLite FlatBuffer carries the file identifier "TFL3" at bytes 4–7. */
export function looksLikeTflite(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && bytes[4] === 0x54 && bytes[5] === 0x46 && bytes[6] === 0x4c && bytes[7] === 0x33;
}

export const tfliteFormat: FormatDef = {
  id: 'tflite',
  format: 'tflite',
  name: 'TFLite',
  extensions: ['.tflite'],
  associations: [{ ext: 'tflite', name: 'TFLite model', description: 'TensorFlow Lite model (FlatBuffer)', mimeType: 'application/x-tflite', role: 'Viewer', rank: 'Alternate' }],
  sniff: (file) => looksLikeTflite(file.bytes),
  read(main) {
    if (main.bytes.length === 0) throw new ModelError(`${main.name}: the file is empty`);
    if (!looksLikeTflite(main.bytes)) throw new ModelError(`${main.name}: not a TFLite model (no "TFL3" identifier at byte 4)`);
    try {
      const graph = translateTflite(readTflModel(main.bytes, main.name), main.name);
      const labels = embeddedLabels(main.bytes);
      if (!labels) return graph;
      return { ...graph, labels: labels.names, source: { ...graph.source, notes: [...(graph.source.notes ?? []), `class names from ${labels.file} inside the model`] } };
    } catch (e) {
      // The graph builder's own checks (a tensor written by two operators) name no file.
      if (e instanceof ModelError) throw e;
      throw new ModelError(`${main.name}: ${errorMessage(e)}`);
    }
  },
};
