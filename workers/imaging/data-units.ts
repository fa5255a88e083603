/**
 * x* in data units (issue 17): the picture the model is shown, the reference input plus x*,
 * mapped through the value range, lo → black and hi → white (per channel for RGB), clipped.
 * A gallery drawn this way shows where x* leaves the range (it clips) and how strong it is
 * against the data, which the normalised view (x/(2·max|x|) + ½, "stretch contrast") hides.
 */
import type { GallerySettings } from '../engine/compute';
import { midGrey } from '../engine/value-range';

export interface DataUnits {
  readonly range: readonly [number, number];
  /**
   * Added to x* before the mapping, one value per value of x* (the reference input, or mid-grey
   * of the range when there is none); null when x* is itself an image of the range (readable ascent).
   */
  readonly base: Float32Array | null;
}

/** One value in data units as a byte: lo → 0, hi → 255, clipped. */
export function dataByte(v: number, range: readonly [number, number]): number {
  const t = (v - range[0]) / (range[1] - range[0]);
  return t <= 0 ? 0 : t >= 1 ? 255 : Math.round(t * 255);
}

/**
 * How a gallery computed under these settings is drawn in data units, or null for the
 * symmetric scale: the exact mode has no reference (x* of a linear network is a direction
 * around zero, and mid-grey + x* would say nothing the symmetric scale does not).
 */
export function dataUnitsOf(settings: Pick<GallerySettings, 'mode' | 'reference' | 'ascent'>, range: readonly [number, number], inputSize: number): DataUnits | null {
  if (settings.mode === 'exact') return null;
  if (settings.mode === 'ascent' && settings.ascent?.style === 'readable') return { range, base: null };
  return { range, base: settings.reference ?? midGrey(range, inputSize) };
}
