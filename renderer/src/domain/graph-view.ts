/**
 * Zoom and pan of the graph view, in the terms of ECharts' graph `roam` (series `zoom` and
 * `center`). The series' view rectangle is the drawing's own size at the top-left of the
 * chart, so at zoom 1 a drawing pixel is a screen pixel; ECharts then maps a point q of the
 * drawing to the screen at (q − center)·zoom + mid, mid being the middle of the drawing.
 */

export type Point = readonly [number, number];

export interface GraphViewState {
  readonly zoom: number;
  /** The drawing's point ECharts puts at `mid` (the middle of the drawing at zoom 1). */
  readonly center: Point;
}

export interface Size {
  readonly width: number;
  readonly height: number;
}

/** ECharts' scaleLimit: from a whole large network on screen to boxes four times their size. */
export const ZOOM_LIMIT = { min: 0.05, max: 4 } as const;
/** One press of a zoom button or key. */
export const ZOOM_STEP = 1.25;
/** One press of an arrow key, in screen pixels. */
export const PAN_STEP = 80;

const clampZoom = (z: number): number => Math.min(ZOOM_LIMIT.max, Math.max(ZOOM_LIMIT.min, z));
const mid = (world: Size): Point => [world.width / 2, world.height / 2];

/** The state that shows the drawing's point p at screen point s, at zoom z. */
export function showAt(p: Point, s: Point, zoom: number, world: Size): GraphViewState {
  const [mx, my] = mid(world);
  return { zoom, center: [p[0] - (s[0] - mx) / zoom, p[1] - (s[1] - my) / zoom] };
}

/** The drawing's point under screen point s. */
export function pointAt(view: GraphViewState, s: Point, world: Size): Point {
  const [mx, my] = mid(world);
  return [(s[0] - mx) / view.zoom + view.center[0], (s[1] - my) / view.zoom + view.center[1]];
}

/** At its own size, its top row at the top of the box, centred across. */
export function initialView(world: Size, box: Size): GraphViewState {
  return showAt([world.width / 2, box.height / 2], [box.width / 2, box.height / 2], 1, world);
}

/** The whole drawing in the box (never enlarged past its own size). */
export function fitView(world: Size, box: Size): GraphViewState {
  const zoom = clampZoom(Math.min(1, box.width / Math.max(1, world.width), box.height / Math.max(1, world.height)));
  return showAt(mid(world), [box.width / 2, box.height / 2], zoom, world);
}

/** Zooms by `factor`, the point under screen point s staying where it is. */
export function zoomAround(view: GraphViewState, factor: number, s: Point, world: Size): GraphViewState {
  return showAt(pointAt(view, s, world), s, clampZoom(view.zoom * factor), world);
}

/** Moves the drawing by (dx, dy) screen pixels. */
export function panBy(view: GraphViewState, dx: number, dy: number): GraphViewState {
  return { zoom: view.zoom, center: [view.center[0] - dx / view.zoom, view.center[1] - dy / view.zoom] };
}
