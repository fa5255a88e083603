// One validator of gallery settings, shared by the CLI (cli/args.ts, cli/main.ts) and the app
// (renderer stores): a setting is refused at the edge, in one line naming it, before any work.
import { ModelError } from '../engine/graph';
import { exactRefusal } from '../engine/reverse';
import { modeById, type GalleryMode } from '../engine/modes/index';
import type { PreparedModel } from '../engine/prepare';
import { companionsOf } from '../formats/companions';
import { formatOfFile } from '../formats/index';
import type { InputFile } from '../formats/types';

/** A setting that cannot be used; its message names the setting and the value. */
export class SettingError extends Error {}

/**
 * The radius R of x*: each x* holds values near R/√n and the engine squares them in float32,
 * so R and R² must both be normal float32 numbers (float32 runs from ~1.2e-38 to ~3.4e38).
 */
const RADIUS_RANGE: readonly [number, number] = [1e-15, 1e15];

/** Whether a radius is usable (the app keeps the previous value when it is not). */
export function isValidRadius(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= RADIUS_RANGE[0] && value <= RADIUS_RANGE[1];
}

/** A positive radius float32 can carry through the engine (see RADIUS_RANGE). */
function checkRadius(value: number, name = 'radius'): number {
  if (!Number.isFinite(value) || value <= 0) throw new SettingError(`${name} must be a positive number, got ${describe(value)}`);
  if (value < RADIUS_RANGE[0] || value > RADIUS_RANGE[1]) {
    throw new SettingError(`${name} must be from ${RADIUS_RANGE[0].toExponential()} to ${RADIUS_RANGE[1].toExponential()} (float32 squares it), got ${describe(value)}`);
  }
  return value;
}

/** A radius typed by a person: a number written out (not empty, not 'Infinity'). */
export function parseRadius(text: string, name = 'radius'): number {
  if (text.trim() === '') throw new SettingError(`${name} must be a positive number, got ""`);
  return checkRadius(Number(text), name);
}

/** A whole number from `min` to `max`, written out ('' and '2.5' are refused). */
export function parseWholeNumber(text: string, name: string, min: number, max: number): number {
  const value = /^\s*[+]?\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new SettingError(`${name} must be a whole number from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

const BYTE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4 };

/** A size such as '512MB', '2G', '1.5GB' or '1000000' (bytes), at least 1 MB. */
export function parseBytes(text: string, name: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match ? BYTE_UNITS[match[2].toLowerCase()] : undefined;
  const bytes = match && unit !== undefined ? Number(match[1]) * unit : NaN;
  if (!Number.isFinite(bytes) || bytes < 1024 ** 2) throw new SettingError(`${name} must be a size such as 512MB or 2GB (at least 1MB), got "${text}"`);
  return Math.floor(bytes);
}

/**
 * The layers a gallery computes: every one when none is asked for; otherwise each name must be a
 * layer of the model (with a "did you mean" for a near miss) and the list must not be empty.
 */
export function checkLayers(requested: readonly string[] | undefined, model: Pick<PreparedModel, 'layers' | 'graph'>): string[] {
  const known = model.layers.map((l) => l.id);
  if (requested === undefined) return known;
  if (requested.length === 0) throw new SettingError('the layer list is empty: name at least one layer (see `neurovis info MODEL`)');
  for (const id of requested) {
    if (known.includes(id)) continue;
    const near = nearest(id, known);
    throw new SettingError(`no layer "${id}" in ${model.graph.source.fileName}${near ? `; did you mean "${near}"?` : ''}`);
  }
  return [...new Set(requested)];
}

/** The mode fits the model: a linear-only mode (exact) only on a linear network. */
export function checkModeFits(mode: GalleryMode, model: PreparedModel): void {
  if (modeById(mode).linearOnly && model.nonlinearNodes.length > 0) throw exactRefusal(model, model.nonlinearNodes);
}

/**
 * Files given together are one model and what goes with it: the model file (the first one a
 * format claims) and its companions. A second model, or a file the model does not use, is
 * refused by name rather than silently ignored.
 */
export function checkExtraFiles(files: readonly InputFile[]): void {
  const [first] = sortExtraFiles(files).refused;
  if (first) throw new ModelError(first.message);
}

/** The files given together split into the model and its companions (kept) and the others, each with why (refused). */
export function sortExtraFiles<F extends InputFile>(files: readonly F[]): { kept: F[]; refused: { name: string; message: string }[] } {
  const main = files.find((f) => formatOfFile(f) !== undefined) ?? files[0];
  if (!main) return { kept: [], refused: [] };
  const { required, optional } = companionsOf(main);
  const companions = new Set([...required, ...optional].map(lastPart));
  const kept: F[] = [];
  const refused: { name: string; message: string }[] = [];
  for (const file of files) {
    if (file === main || companions.has(lastPart(file.name))) {
      kept.push(file);
      continue;
    }
    const format = formatOfFile(file);
    const why = format
      ? `a second model file (${format.name}) beside ${main.name}; give one model at a time`
      : `not a file ${main.name} uses (it uses ${[...companions].join(', ') || 'no other file'}); leave it out`;
    refused.push({ name: file.name, message: `${file.name}: ${why}` });
  }
  return { kept, refused };
}

const lastPart = (path: string): string => path.split(/[\\/]/).pop() ?? path;

function describe(value: number): string {
  return Number.isNaN(value) ? 'not a number' : String(value);
}

/** The closest name by edit distance, when it is close enough to be a likely typo. */
export function nearest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(name.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  if (a.length > 256 || b.length > 256) return Math.abs(a.length - b.length) + (a.slice(0, 256) === b.slice(0, 256) ? 0 : 256);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length];
}
