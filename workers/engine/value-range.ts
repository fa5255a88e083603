/**
 * The input's value range and the radius that fits it (issue 17). A model trained on 0–255
 * pixels or on ImageNet-normalised inputs needs a radius on that scale, or x* is invisible.
 */

/** Presets a user can name; ImageNet's mean/std normalisation as the range it maps 0–1 pixels to (over all channels). */
export const VALUE_RANGE_PRESETS: Readonly<Record<string, readonly [number, number]>> = {
  '0-1': [0, 1],
  '0-255': [0, 255],
  '-1-1': [-1, 1],
  imagenet: [(0 - 0.485) / 0.229, (1 - 0.406) / 0.225],
};

/** The range assumed when neither the user nor the model says. */
export const DEFAULT_VALUE_RANGE: readonly [number, number] = [0, 1];

/**
 * The default radius: the norm of an image whose every value deviates from mid-grey by a
 * quarter of the range, r = ¼ (hi − lo) √n. mid-grey ± x* then stays mostly inside the range.
 */
export function defaultRadius(range: readonly [number, number], values: number): number {
  return 0.25 * (range[1] - range[0]) * Math.sqrt(values);
}

/** The mid-grey input: every value at the middle of the range (the default reference of local, deconvnet and guided). */
export function midGrey(range: readonly [number, number], values: number): Float32Array {
  return new Float32Array(values).fill((range[0] + range[1]) / 2);
}

/** A preset name or "lo,hi"; undefined when the text is neither. */
export function parseValueRange(text: string): [number, number] | undefined {
  const preset = VALUE_RANGE_PRESETS[text.toLowerCase()];
  if (preset) return [preset[0], preset[1]];
  const parts = text.split(',').map((s) => Number(s.trim()));
  if (parts.length !== 2 || parts.some((v) => !Number.isFinite(v)) || !(parts[0] < parts[1])) return undefined;
  return [parts[0], parts[1]];
}
