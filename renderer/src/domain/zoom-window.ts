/** The part of an H×W input the neuron detail shows at a zoom (pure). */

/** Zoom steps of the detail view: 1 shows the whole input. */
export const ZOOM_STEPS = [1, 2, 4, 8, 16, 32] as const;

/** The next zoom step in a direction (+1 in, −1 out), kept within the steps and within what the input can show. */
export function stepZoom(zoom: number, direction: 1 | -1, height: number, width: number): number {
  const max = Math.max(1, Math.max(height, width) / 2);
  const steps = ZOOM_STEPS.filter((z) => z <= max);
  const i = steps.indexOf(zoom as (typeof ZOOM_STEPS)[number]);
  const at = i < 0 ? 0 : i;
  return steps[Math.min(steps.length - 1, Math.max(0, at + direction))];
}

/**
 * The window [y, x, h, w] of an H×W input shown at `zoom`, centred on `center` (row, column)
 * as far as the input's edges allow.
 */
export function zoomWindow(height: number, width: number, zoom: number, center: readonly [number, number]): [number, number, number, number] {
  const h = Math.max(1, Math.min(height, Math.ceil(height / zoom)));
  const w = Math.max(1, Math.min(width, Math.ceil(width / zoom)));
  const y = Math.min(height - h, Math.max(0, Math.round(center[0] - h / 2)));
  const x = Math.min(width - w, Math.max(0, Math.round(center[1] - w / 2)));
  return [y, x, h, w];
}

/** The centre (row, column) of a box [y, x, h, w]. */
export function boxCenter(box: readonly number[]): [number, number] {
  return [box[0] + box[2] / 2, box[1] + box[3] / 2];
}
