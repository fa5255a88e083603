import type { Graph } from '../engine/graph';
import type { InputFile } from './types';
import { baseName } from './file-name';

/** Class names of a model's outputs, and the file that gave them. */
export interface FoundLabels {
  readonly names: string[];
  readonly file: string;
}

const MAX_LABEL_BYTES = 16 * 1024 * 1024;
const decoder = new TextDecoder('utf-8');

/** Teachable Machine's metadata.json: `labels`, a list of class names. */
function metadataLabels(text: string): string[] | undefined {
  try {
    const json = JSON.parse(text) as { labels?: unknown };
    const labels = json?.labels;
    return Array.isArray(labels) && labels.length > 0 && labels.every((l) => typeof l === 'string') ? (labels as string[]) : undefined;
  } catch {
    return undefined;
  }
}

/** One name a line; a trailing empty line is not a class. */
export function lineLabels(text: string): string[] | undefined {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).map((l) => l.trim());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.length > 0 ? lines : undefined;
}

/**
 * The class names among the files given with a model: Teachable Machine's metadata.json first,
 * then `<stem>.labels` (beside `<stem>.onnx`, `<stem>.h5` …), then labels.txt.
 */
export function findLabels(main: InputFile, files: readonly InputFile[]): FoundLabels | undefined {
  const mainName = baseName(main.name).toLowerCase();
  const rank = (name: string): number => {
    const lower = name.toLowerCase();
    if (lower === 'metadata.json') return 0;
    if (lower.endsWith('.labels') && mainName.startsWith(lower.slice(0, -'labels'.length))) return 1;
    if (lower === 'labels.txt') return 2;
    return -1;
  };
  const candidates = files
    .filter((f) => f !== main && f.bytes.length <= MAX_LABEL_BYTES && rank(baseName(f.name)) >= 0)
    .sort((a, b) => rank(baseName(a.name)) - rank(baseName(b.name)));
  for (const file of candidates) {
    const text = decoder.decode(file.bytes);
    const names = rank(baseName(file.name)) === 0 ? metadataLabels(text) : lineLabels(text);
    if (names) return { names, file: baseName(file.name) };
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
