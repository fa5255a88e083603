import type { Graph } from '../engine/graph';
import type { InputFile } from './types';
import { baseName } from './file-name';
import { FORMATS, LABEL_FILES } from './registry';

/** Class names of a model's outputs, and the file that gave them. */
export interface FoundLabels {
  readonly names: string[];
  readonly file: string;
}

const MAX_LABEL_BYTES = 16 * 1024 * 1024;
const decoder = new TextDecoder('utf-8');

/** A model's name without its format's ending: 'mlp.neurovis.json' → 'mlp', 'model.onnx' → 'model'. */
export function stemOf(fileName: string): string {
  const name = baseName(fileName);
  const lower = name.toLowerCase();
  const ending = FORMATS.flatMap((f) => f.extensions)
    .filter((e) => e.startsWith('.') && lower.endsWith(e) && lower.length > e.length)
    .sort((a, b) => b.length - a.length)[0];
  if (ending) return name.slice(0, -ending.length);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/** The names of the label files that may sit beside a model (LABEL_FILES), best first, never the model itself. */
export function labelFileNames(modelName: string): string[] {
  const own = baseName(modelName);
  const stem = stemOf(modelName);
  return LABEL_FILES.map((l) => l.name(stem)).filter((n) => n !== own);
}

/** The class names among the files given with a model, from the best label file (LABEL_FILES) that names some. */
export function findLabels(main: InputFile, files: readonly InputFile[]): FoundLabels | undefined {
  const stem = stemOf(main.name);
  for (const label of LABEL_FILES) {
    const wanted = label.name(stem).toLowerCase();
    for (const file of files) {
      if (file === main || file.bytes.length > MAX_LABEL_BYTES || baseName(file.name).toLowerCase() !== wanted) continue;
      const names = label.parse(decoder.decode(file.bytes));
      if (names) return { names, file: baseName(file.name) };
    }
  }
  return undefined;
}

/**
 * The graph with the class names found beside it (unless its reader found some in the file).
 * Whether they fit the output is decided where shapes are known (engine/prepare.ts).
 */
export function withLabels(graph: Graph, main: InputFile, files: readonly InputFile[]): Graph {
  if (graph.labels) return graph;
  const found = findLabels(main, files);
  if (!found) return graph;
  const notes = [...(graph.source.notes ?? []), `class names from ${found.file}`];
  return { ...graph, labels: found.names, source: { ...graph.source, notes } };
}
