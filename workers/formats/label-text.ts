// How the files that name a model's classes are read (formats/registry.ts LABEL_FILES says
// which files; a reader may use them on a file inside the model, as TFLite's metadata does).

/** Teachable Machine's metadata.json: `labels`, a list of class names. */
export function metadataLabels(text: string): string[] | undefined {
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
