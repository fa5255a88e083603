// The window's size and position, remembered in the user-data folder and
// checked against the displays present now: a window saved on a monitor that
// is gone comes back centred on the primary display, never off screen.
import { readJsonFile, writeJsonFile } from './json-store';

export const WINDOW_STATE_NAME = 'window-state.json';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  bounds: Rect;
  maximized: boolean;
  fullScreen: boolean;
}

export const WINDOW_DEFAULTS = { width: 1280, height: 820, minWidth: 720, minHeight: 480 } as const;

/** How much of the window's top strip (where the title bar is) must lie on a display. */
const MIN_VISIBLE_WIDTH = 120;
const TITLE_STRIP = 32;

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 1e6;

export function parseWindowState(json: unknown): WindowState | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const { bounds, maximized, fullScreen } = json as Record<string, unknown>;
  if (typeof bounds !== 'object' || bounds === null) return undefined;
  const { x, y, width, height } = bounds as Record<string, unknown>;
  if (!isInt(x) || !isInt(y) || !isInt(width) || !isInt(height) || width <= 0 || height <= 0) return undefined;
  return { bounds: { x, y, width, height }, maximized: maximized === true, fullScreen: fullScreen === true };
}

function overlap(a: Rect, b: Rect): Rect | null {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  const right = Math.min(a.x + a.width, b.x + b.width);
  const bottom = Math.min(a.y + a.height, b.y + b.height);
  return right > x && bottom > y ? { x, y, width: right - x, height: bottom - y } : null;
}

function centred(width: number, height: number, area: Rect): Rect {
  const w = Math.min(width, area.width);
  const h = Math.min(height, area.height);
  return { x: area.x + Math.round((area.width - w) / 2), y: area.y + Math.round((area.height - h) / 2), width: w, height: h };
}

/**
 * The bounds to open the window with. `workAreas` are the work areas of the
 * displays now connected, `primary` the primary one's.
 */
export function fitWindowState(saved: WindowState | undefined, workAreas: readonly Rect[], primary: Rect): WindowState {
  const defaultWidth = Math.min(WINDOW_DEFAULTS.width, Math.round(primary.width * 0.9));
  const defaultHeight = Math.min(WINDOW_DEFAULTS.height, Math.round(primary.height * 0.9));
  if (!saved) return { bounds: centred(defaultWidth, defaultHeight, primary), maximized: false, fullScreen: false };

  const width = Math.max(WINDOW_DEFAULTS.minWidth, saved.bounds.width);
  const height = Math.max(WINDOW_DEFAULTS.minHeight, saved.bounds.height);
  const titleStrip: Rect = { x: saved.bounds.x, y: saved.bounds.y, width, height: TITLE_STRIP };
  const home = workAreas.find((area) => {
    const o = overlap(titleStrip, area);
    return o !== null && o.width >= Math.min(MIN_VISIBLE_WIDTH, width);
  });
  if (!home) return { bounds: centred(width, height, primary), maximized: saved.maximized, fullScreen: saved.fullScreen };

  // Visible: keep the position, but not bigger than that display, and pulled back inside it.
  const w = Math.min(width, home.width);
  const h = Math.min(height, home.height);
  const x = Math.min(Math.max(saved.bounds.x, home.x - w + MIN_VISIBLE_WIDTH), home.x + home.width - MIN_VISIBLE_WIDTH);
  const y = Math.min(Math.max(saved.bounds.y, home.y), home.y + home.height - TITLE_STRIP);
  return { bounds: { x, y, width: w, height: h }, maximized: saved.maximized, fullScreen: saved.fullScreen };
}

export class WindowStateStore {
  constructor(private readonly storePath: string) {}

  async load(): Promise<WindowState | undefined> {
    return parseWindowState(await readJsonFile(this.storePath));
  }

  async save(state: WindowState): Promise<void> {
    await writeJsonFile(this.storePath, state);
  }
}
