// Issue 19: a renderer that crashes (render-process-gone) leaves a dead window. The window is
// reloaded instead, and once the new page is ready it is told why, to show a notice.
import { EVENT } from '../common/ipc-channels';

/** What recovery needs of a BrowserWindow (a fake one in tests). */
export interface RecoverableWindow {
  isDestroyed(): boolean;
  readonly webContents: {
    reload(): void;
    send(channel: string, payload: unknown): void;
  };
}

/** Electron's RenderProcessGoneDetails, as far as recovery reads it. */
export interface GoneDetails {
  readonly reason: string;
  readonly exitCode?: number;
}

/** Past this many crashes within CRASH_WINDOW_MS the page is left as it is (a crash on every load would loop). */
export const MAX_RELOADS = 3;
export const CRASH_WINDOW_MS = 60_000;

export class RendererRecovery {
  private pending: string | undefined;
  private readonly crashes: number[] = [];

  constructor(
    private readonly window: RecoverableWindow,
    private readonly now: () => number = Date.now,
  ) {}

  /** The render-process-gone handler: reloads the window unless it is closing or crashes in a loop. */
  gone(details: GoneDetails): void {
    if (details.reason === 'clean-exit' || this.window.isDestroyed()) return;
    const t = this.now();
    while (this.crashes.length > 0 && t - this.crashes[0] > CRASH_WINDOW_MS) this.crashes.shift();
    this.crashes.push(t);
    if (this.crashes.length > MAX_RELOADS) return;
    this.pending = details.exitCode === undefined ? details.reason : `${details.reason}, exit code ${details.exitCode}`;
    this.window.webContents.reload();
  }

  /** The reloaded page is listening: it is told what happened, once. */
  ready(): void {
    if (this.pending === undefined || this.window.isDestroyed()) return;
    this.window.webContents.send(EVENT.rendererRecovered, this.pending);
    this.pending = undefined;
  }
}
