import { ASCENT_STYLES, type AscentStyle } from '../workers/engine/ascent';
import type { ModeChoice } from '../workers/engine/compute';
import { GALLERY_MODES, isGalleryMode, MODES } from '../workers/engine/modes/index';
import { formatNames } from '../workers/formats/index';
import type { InputLayout } from '../workers/engine/graph';
import { parseValueRange } from '../workers/engine/value-range';
import { INPUT_LAYOUTS } from '../workers/engine/input-layout';
import { parseBytes, parseRadius, parseWholeNumber } from '../workers/settings/validate';

const OUTPUT_FORMATS = ['npy', 'json', 'png', 'svg'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
/** What `--format` defaults to: every format the CLI writes. */
const DEFAULT_FORMATS: readonly OutputFormat[] = OUTPUT_FORMATS;

export interface GalleryArgs {
  command: 'gallery';
  files: string[];
  out: string;
  formats: OutputFormat[];
  mode: ModeChoice;
  objective: 'neuron' | 'channel';
  /** Undefined: relative to the value range (engine/value-range.ts defaultRadius). */
  radius?: number;
  valueRange?: [number, number];
  inputShape?: number[];
  inputLayout?: InputLayout;
  imageShape?: number[];
  reference?: string;
  layers?: string[];
  workers?: number;
  orientation?: Orientation;
  /** A preview: only the first N neurons (channels) of each layer. */
  neurons?: number;
  /** Bytes the model and the gallery may take (--memory-budget; default a quarter of free memory, at most 2 GB). */
  memoryBudget?: number;
  /** Ascent: the sphere's projected ascent or the readable (Lucid-style) one. */
  ascentStyle?: AscentStyle;
  /** Ascent: the step limit. */
  steps?: number;
  /** Ascent: the seed of its random transforms. */
  seed?: number;
  /** Start even past the time budget (never past the memory budget). */
  force: boolean;
  quiet: boolean;
  /** Images on the symmetric scale x/(2·max|x|) + ½ instead of x0 + x* in data units. */
  stretchContrast: boolean;
}

export interface InfoArgs {
  command: 'info';
  files: string[];
  inputShape?: number[];
  inputLayout?: InputLayout;
  imageShape?: number[];
  orientation?: Orientation;
  memoryBudget?: number;
}

export type Orientation = 'rows-are-inputs' | 'rows-are-outputs';

export type CliArgs = GalleryArgs | InfoArgs | { command: 'help' } | { command: 'version' };

/** A mistake in how the command was called (exit code 2). */
export class UsageError extends Error {}

/** The modes that read --reference, for the help: 'local, deconvnet and guided (surrogate and ascent at gates)'. */
function referenceModes(): string {
  const list = (ids: string[]) => (ids.length > 1 ? `${ids.slice(0, -1).join(', ')} and ${ids[ids.length - 1]}` : ids.join(''));
  const always = MODES.filter((m) => m.reference === 'always').map((m) => m.id);
  const gates = MODES.filter((m) => m.reference === 'gates').map((m) => m.id);
  return gates.length > 0 ? `${list(always)}; ${list(gates)} at gates` : list(always);
}

export const USAGE = `Usage:
  neurovis gallery MODEL [MORE FILES…] --out DIR
      [--format npy,json,png,svg]   (default: all available)
      [--mode auto|${GALLERY_MODES.join('|')}]   (default: auto = exact on
                                    linear networks, surrogate otherwise)
      [--objective neuron|channel]  (default: neuron)
      [--radius R]                  (one radius for every layer; default per layer: ¼·(hi−lo)·√n, n the
                                    input values in the layer's receptive field: \`info\` lists it)
      [--value-range 0-1|0-255|-1-1|imagenet|LO,HI]   (default: what the model states, else 0-1)
      [--input-shape 1,28,28]       (for symbolic input dimensions; no batch dimension)
      [--input-layout NCHW|NHWC|NCW|NWC|flat]   (default: from the model)
      [--image-shape 28,28]         (draw the input as H×W images: a 784-vector as 28×28)
      [--reference X0.npy]          (reference input of ${referenceModes()})
      [--layers ID,ID…]             (default: every layer)
      [--workers N]                 (default: every core; 0 computes on the main thread)
      [--orientation rows-are-inputs|rows-are-outputs]   (NumPy chains whose arrays chain both ways)
      [--neurons N]                 (a preview: the first N neurons of each layer)
      [--ascent-style sphere|readable]   (ascent: on the sphere ‖x‖ = r, default; or Lucid-style
                                    in a 1/f Fourier basis inside the value range, with jitter,
                                    scale and rotation)
      [--steps N] [--seed S]        (ascent: step limit, default 200 sphere / 256 readable; seed)
      [--stretch-contrast]          (images: x* alone on x/(2·max|x|) + ½; default: what the model sees,
                                    reference (mid-grey when none) + x*, lo → black, hi → white, clipped;
                                    readable ascent's x* is the image itself; exact keeps the ± scale)
      [--force]                     (start even when the estimate passes ~10 minutes of work)
      [--memory-budget 2GB]         (what the model and the gallery may take; default: a quarter of free memory, at most 2 GB)
      [--quiet]
  neurovis info MODEL [MORE FILES…] [--input-shape …] [--input-layout …]   (the model's layers)
  neurovis --help | --version
Modes:
${MODES.map((m) => `  ${m.id.padEnd(10)} ${m.help}`).join('\n')}
MODEL is a file of one of these formats (with the files it names beside it):
  ${formatNames()}`;

const VALUE_OPTIONS = new Set(['--out', '--format', '--mode', '--objective', '--radius', '--value-range', '--input-shape', '--input-layout', '--image-shape', '--reference', '--layers', '--workers', '--orientation', '--neurons', '--memory-budget', '--ascent-style', '--steps', '--seed']);

export function parseArgs(argv: readonly string[]): CliArgs {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') return { command: 'help' };
  if (argv.includes('--version') || argv.includes('-v')) return { command: 'version' };
  const [command, ...rest] = argv;
  if (command !== 'gallery' && command !== 'info') throw new UsageError(`unknown command "${command}"`);
  const files: string[] = [];
  const options = new Map<string, string>();
  let quiet = false;
  let force = false;
  let stretchContrast = false;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--quiet' || a === '-q') {
      quiet = true;
    } else if (a === '--force') {
      force = true;
    } else if (a === '--stretch-contrast') {
      stretchContrast = true;
    } else if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(0, eq) : a;
      if (!VALUE_OPTIONS.has(name)) throw new UsageError(`unknown option ${name}`);
      const value = eq > 0 ? a.slice(eq + 1) : rest[++i];
      if (value === undefined) throw new UsageError(`${name} needs a value`);
      options.set(name, value);
    } else {
      files.push(a);
    }
  }
  if (files.length === 0) throw new UsageError('no model file given');
  const inputShape = options.has('--input-shape') ? parseShape(options.get('--input-shape')!, '--input-shape') : undefined;
  const imageShape = options.has('--image-shape') ? parseShape(options.get('--image-shape')!, '--image-shape') : undefined;
  if (imageShape && imageShape.length !== 2) throw new UsageError(`--image-shape takes H,W, got "${options.get('--image-shape')}"`);
  const layoutText = options.get('--input-layout');
  const inputLayout = layoutText === undefined ? undefined : INPUT_LAYOUTS.find((l) => l.toLowerCase() === layoutText.toLowerCase());
  if (layoutText !== undefined && inputLayout === undefined) throw new UsageError(`unknown input layout "${layoutText}" (${INPUT_LAYOUTS.join(', ')})`);
  const orientation = options.get('--orientation') as Orientation | undefined;
  if (orientation !== undefined && orientation !== 'rows-are-inputs' && orientation !== 'rows-are-outputs') {
    throw new UsageError(`--orientation must be rows-are-inputs or rows-are-outputs, got "${orientation}"`);
  }
  const memoryBudget = options.has('--memory-budget') ? parseBytes(options.get('--memory-budget')!, '--memory-budget') : undefined;
  if (command === 'info') return { command, files, inputShape, inputLayout, imageShape, orientation, memoryBudget };

  const out = options.get('--out');
  if (!out) throw new UsageError('--out DIR is required');
  const formats = (options.get('--format') ?? DEFAULT_FORMATS.join(',')).split(',').map((f) => f.trim().toLowerCase());
  for (const f of formats) if (!(OUTPUT_FORMATS as readonly string[]).includes(f)) throw new UsageError(`unknown format "${f}" (npy, json, png, svg)`);
  const mode = options.get('--mode') ?? 'auto';
  if (mode !== 'auto' && !isGalleryMode(mode)) throw new UsageError(`unknown mode "${mode}" (auto, ${GALLERY_MODES.join(', ')})`);
  const objective = options.get('--objective') ?? 'neuron';
  if (objective !== 'neuron' && objective !== 'channel') throw new UsageError(`unknown objective "${objective}" (neuron, channel)`);
  const radius = options.has('--radius') ? parseRadius(options.get('--radius')!, '--radius') : undefined;
  const rangeText = options.get('--value-range');
  const valueRange = rangeText === undefined ? undefined : parseValueRange(rangeText);
  if (rangeText !== undefined && !valueRange) throw new UsageError(`--value-range must be 0-1, 0-255, -1-1, imagenet or LO,HI with LO < HI, got "${rangeText}"`);
  const workers = options.has('--workers') ? parseWholeNumber(options.get('--workers')!, '--workers', 0, 256) : undefined;
  const neurons = options.has('--neurons') ? parseWholeNumber(options.get('--neurons')!, '--neurons', 1, 2 ** 31) : undefined;
  const ascentStyle = options.get('--ascent-style');
  if (ascentStyle !== undefined && !(ASCENT_STYLES as readonly string[]).includes(ascentStyle)) {
    throw new UsageError(`unknown --ascent-style "${ascentStyle}" (${ASCENT_STYLES.join(', ')})`);
  }
  const steps = options.has('--steps') ? parseWholeNumber(options.get('--steps')!, '--steps', 0, 1_000_000) : undefined;
  const seed = options.has('--seed') ? parseWholeNumber(options.get('--seed')!, '--seed', 0, 2 ** 31) : undefined;
  // An empty list ('--layers ,') stays empty: the validator refuses it once the model is read.
  const layers = options.get('--layers')?.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return {
    command,
    files,
    out,
    formats: [...new Set(formats)] as OutputFormat[],
    mode,
    objective,
    radius,
    valueRange,
    inputShape,
    inputLayout,
    imageShape,
    reference: options.get('--reference'),
    layers,
    workers,
    orientation,
    neurons,
    ascentStyle: ascentStyle as AscentStyle | undefined,
    steps,
    seed,
    memoryBudget,
    force,
    quiet,
    stretchContrast,
  };
}

function parseShape(text: string, option: string): number[] {
  const dims = text.split(/[,x×]/).map((s) => Number(s.trim()));
  if (dims.length === 0 || dims.some((d) => !Number.isInteger(d) || d <= 0 || d > 1 << 24)) {
    throw new UsageError(`${option} must be positive whole numbers separated by commas, got "${text}"`);
  }
  return dims;
}
