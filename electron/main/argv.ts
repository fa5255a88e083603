// Which command-line arguments name files to open. Electron's argv is
// [executable, ...Chromium/Electron switches, (app path when run as `electron app`), ...files];
// a second launch hands its argv and working directory to the first instance.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ArgvContext {
  /** `process.defaultApp`: true when run as `electron <app path> …` (development, tests). */
  defaultApp: boolean;
  /** Folder relative paths are resolved against (the launching shell's). */
  cwd: string;
  platform?: NodeJS.Platform;
}

/** Absolute paths of the files named on a command line, in order, without duplicates. */
export function filesFromArgv(argv: readonly string[], context: ArgvContext): string[] {
  const pathApi = context.platform === 'win32' ? path.win32 : context.platform === undefined ? path : path.posix;
  const positional: string[] = [];
  let afterDoubleDash = false;
  for (const arg of argv.slice(1)) {
    if (!afterDoubleDash && arg === '--') {
      afterDoubleDash = true;
      continue;
    }
    // Switches (`--inspect=0`, `--enable-logging`), and macOS's `-psn_0_12345` process serial number.
    if (!afterDoubleDash && arg.startsWith('-')) continue;
    if (arg.trim() === '') continue;
    positional.push(arg);
  }
  if (context.defaultApp) positional.shift(); // the app path given to `electron`

  const seen = new Set<string>();
  const files: string[] = [];
  for (const arg of positional) {
    const file = argToPath(arg, context.cwd, pathApi);
    if (file !== null && !seen.has(file)) {
      seen.add(file);
      files.push(file);
    }
  }
  return files;
}

function argToPath(arg: string, cwd: string, pathApi: typeof path.posix): string | null {
  if (/^file:\/\//i.test(arg)) {
    // Linux desktop entries may pass file:// URLs (%U).
    try {
      return pathApi.normalize(fileURLToPath(arg));
    } catch {
      return null;
    }
  }
  // Other URL schemes (neurovis://, http://) are not files.
  if (/^[a-z][a-z0-9+.-]+:\/\//i.test(arg)) return null;
  return pathApi.resolve(cwd, arg);
}

/** A neuron a `neurovis://open?file=PATH&layer=ID&neuron=N` link names (the app's "Copy link"). */
export interface NeuronLinkTarget {
  readonly path: string;
  readonly layer: string;
  readonly neuron: number;
}

/** The neuron a neurovis:// link names, or null when the text is not such a link (or names no absolute file). */
export function parseNeurovisLink(text: string): NeuronLinkTarget | null {
  if (!/^neurovis:\/\/open\?/i.test(text)) return null;
  const params = new URLSearchParams(text.slice(text.indexOf('?') + 1));
  const file = params.get('file');
  const layer = params.get('layer');
  const neuron = Number(params.get('neuron') ?? '0');
  if (!file || !layer || !Number.isInteger(neuron) || neuron < 0) return null;
  if (!path.isAbsolute(file) && !path.win32.isAbsolute(file)) return null;
  return { path: file, layer, neuron };
}

/** The first neurovis:// link on a command line (Windows and Linux hand links to a new launch). */
export function linkFromArgv(argv: readonly string[]): NeuronLinkTarget | null {
  for (const arg of argv.slice(1)) {
    const link = parseNeurovisLink(arg);
    if (link) return link;
  }
  return null;
}
