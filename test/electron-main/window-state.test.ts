import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WINDOW_DEFAULTS, WindowStateStore, fitWindowState, parseWindowState } from '../../electron/main/window-state';
import type { Rect, WindowState } from '../../electron/main/window-state';

const laptop: Rect = { x: 0, y: 25, width: 1440, height: 875 };
const external: Rect = { x: 1440, y: 0, width: 2560, height: 1415 };
const state = (bounds: Rect, extra: Partial<WindowState> = {}): WindowState => ({ bounds, maximized: false, fullScreen: false, ...extra });

describe('fitWindowState', () => {
  it('centres the default size on the primary display the first time', () => {
    expect(fitWindowState(undefined, [laptop], laptop)).toEqual(state({ x: 80, y: 69, width: 1280, height: 788 })); // 788 = 90 % of the 875 px height
  });

  it('fits the default inside a small screen', () => {
    const small: Rect = { x: 0, y: 0, width: 1024, height: 600 };
    expect(fitWindowState(undefined, [small], small).bounds).toEqual({ x: 51, y: 30, width: 922, height: 540 });
  });

  it('keeps a saved window that is on a connected display, maximised flag included', () => {
    const saved = state({ x: 1600, y: 100, width: 1400, height: 900 }, { maximized: true });
    expect(fitWindowState(saved, [laptop, external], laptop)).toEqual(saved);
  });

  it('brings a window saved on a display that is gone back to the primary, centred', () => {
    const saved = state({ x: 1600, y: 100, width: 1400, height: 900 });
    expect(fitWindowState(saved, [laptop], laptop)).toEqual(state({ x: 20, y: 25, width: 1400, height: 875 }));
  });

  it('pulls back a window whose title bar is above or mostly beside the screen', () => {
    const above = fitWindowState(state({ x: 100, y: -500, width: 800, height: 600 }), [laptop], laptop);
    expect(above.bounds.y).toBeGreaterThanOrEqual(laptop.y);
    const farRight = fitWindowState(state({ x: 1400, y: 100, width: 800, height: 600 }), [laptop], laptop);
    // 40 px of title bar on screen is not enough to grab: centred instead.
    expect(farRight.bounds).toEqual({ x: 320, y: 163, width: 800, height: 600 });
  });

  it('enforces the minimum size', () => {
    const tiny = fitWindowState(state({ x: 100, y: 100, width: 10, height: 10 }), [laptop], laptop);
    expect(tiny.bounds.width).toBe(WINDOW_DEFAULTS.minWidth);
    expect(tiny.bounds.height).toBe(WINDOW_DEFAULTS.minHeight);
  });
});

describe('window state store', () => {
  it('round-trips and ignores a malformed file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'neurovis-window-'));
    const store = new WindowStateStore(path.join(dir, 'window-state.json'));
    expect(await store.load()).toBeUndefined();
    const saved = state({ x: 10, y: 20, width: 900, height: 700 }, { fullScreen: true });
    await store.save(saved);
    expect(await store.load()).toEqual(saved);
    await writeFile(path.join(dir, 'window-state.json'), '{"bounds": {"x": "10"}}');
    expect(await store.load()).toBeUndefined();
    expect(parseWindowState({ bounds: { x: 0, y: 0, width: -5, height: 10 } })).toBeUndefined();
    expect(parseWindowState({ bounds: { x: 0.5, y: 0, width: 5, height: 10 } })).toBeUndefined();
    expect(parseWindowState({ bounds: { x: 0, y: 0, width: 5, height: 10 }, maximized: 'yes' })).toEqual(state({ x: 0, y: 0, width: 5, height: 10 }));
  });
});
