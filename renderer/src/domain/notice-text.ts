/**
 * One format for every notice: what it is about (the file, the layer) once, as a heading;
 * what happened; what to do. Readers' messages start with the file name ("model.onnx: …"),
 * so a context the message already names is not repeated.
 */
export type NoticeSubject = 'file' | 'layer' | 'setting';

export interface NoticeParts {
  /** The file or layer, shown once; null when the message says it or there is none. */
  readonly where: string | null;
  /** What happened, starting with a capital letter. */
  readonly what: string;
}

function capitalise(s: string): string {
  return s.length > 0 ? s[0].toUpperCase() + s.slice(1) : s;
}

export function noticeParts(message: string, context: string | undefined): NoticeParts {
  if (!context) return { where: null, what: capitalise(message) };
  for (const prefix of [`${context}: `, `${context} `]) {
    if (message.startsWith(prefix)) return { where: context, what: capitalise(message.slice(prefix.length)) };
  }
  // Named elsewhere in the message: once is enough.
  if (message.includes(context)) return { where: null, what: capitalise(message) };
  return { where: context, what: capitalise(message) };
}
