// Zoom and pan of the graph view (renderer/src/domain/graph-view.ts); the e2e test checks the same against ECharts.
import { describe, expect, it } from 'vitest';
import { fitView, initialView, panBy, pointAt, zoomAround, ZOOM_LIMIT } from '../../renderer/src/domain/graph-view';

const world = { width: 900, height: 4000 };
const box = { width: 600, height: 500 };

describe('graph view', () => {
  it('starts at its own size with the top row at the top, centred across', () => {
    const v = initialView(world, box);
    expect(v.zoom).toBe(1);
    expect(pointAt(v, [0, 0], world)).toEqual([150, 0]);
    expect(pointAt(v, [600, 500], world)).toEqual([750, 500]);
  });
  it('fits the whole drawing in the box, tight one way, never enlarged', () => {
    const v = fitView(world, box);
    const [x0, y0] = pointAt(v, [0, 0], world);
    const [x1, y1] = pointAt(v, [box.width, box.height], world);
    expect(x0).toBeLessThanOrEqual(0);
    expect(x1).toBeGreaterThanOrEqual(world.width);
    expect(y0).toBeCloseTo(0, 9);
    expect(y1).toBeCloseTo(world.height, 9);
    expect(fitView({ width: 100, height: 100 }, box).zoom).toBe(1);
  });
  it('zooms about a screen point, which keeps the point under it, within the limits', () => {
    const v = initialView(world, box);
    const s = [123, 456] as const;
    const z = zoomAround(v, 2, s, world);
    expect(z.zoom).toBe(2);
    pointAt(z, s, world).forEach((p, i) => expect(p).toBeCloseTo(pointAt(v, s, world)[i], 9));
    expect(zoomAround(v, 1000, s, world).zoom).toBe(ZOOM_LIMIT.max);
    expect(zoomAround(v, 1e-6, s, world).zoom).toBe(ZOOM_LIMIT.min);
  });
  it('pans by screen pixels: the drawing follows', () => {
    const v = zoomAround(initialView(world, box), 2, [0, 0], world);
    const moved = panBy(v, 40, -20);
    expect(pointAt(moved, [40, -20], world)).toEqual(pointAt(v, [0, 0], world));
  });
});
