import { describe, expect, it } from 'vitest';
import { EVENT } from '../../electron/common/ipc-channels';
import { CRASH_WINDOW_MS, MAX_RELOADS, RendererRecovery, type RecoverableWindow } from '../../electron/main/renderer-recovery';

/** A BrowserWindow as recovery sees it, recording what was done to it. */
function fakeWindow(): RecoverableWindow & { reloads: number; sent: [string, unknown][]; destroyed: boolean } {
  const w = {
    reloads: 0,
    sent: [] as [string, unknown][],
    destroyed: false,
    isDestroyed: () => w.destroyed,
    webContents: {
      reload: () => void w.reloads++,
      send: (channel: string, payload: unknown) => void w.sent.push([channel, payload]),
    },
  };
  return w;
}

describe('render-process-gone: reload, then a notice', () => {
  it('reloads the window at once and tells the reloaded page why, once it is ready, once', () => {
    const w = fakeWindow();
    const recovery = new RendererRecovery(w, () => 0);
    recovery.ready(); // the first page: nothing to say
    recovery.gone({ reason: 'crashed', exitCode: 139 });
    expect(w.reloads).toBe(1);
    expect(w.sent).toEqual([]); // not to the dead page
    recovery.ready();
    expect(w.sent).toEqual([[EVENT.rendererRecovered, 'crashed, exit code 139']]);
    recovery.ready();
    expect(w.sent).toHaveLength(1);
  });

  it('an out-of-memory renderer is reloaded too; a clean exit or a closed window is not', () => {
    const w = fakeWindow();
    const recovery = new RendererRecovery(w, () => 0);
    recovery.gone({ reason: 'clean-exit', exitCode: 0 });
    expect(w.reloads).toBe(0);
    recovery.gone({ reason: 'oom' });
    recovery.ready();
    expect(w.sent).toEqual([[EVENT.rendererRecovered, 'oom']]);
    w.destroyed = true;
    recovery.gone({ reason: 'crashed' });
    expect(w.reloads).toBe(1);
  });

  it(`stops reloading after ${MAX_RELOADS} crashes within a minute (a page that crashes on load), and starts again later`, () => {
    const w = fakeWindow();
    let now = 0;
    const recovery = new RendererRecovery(w, () => now);
    for (let i = 0; i < MAX_RELOADS + 2; i++) {
      recovery.gone({ reason: 'crashed' });
      now += 1000;
    }
    expect(w.reloads).toBe(MAX_RELOADS);
    now += CRASH_WINDOW_MS + 1;
    recovery.gone({ reason: 'crashed' });
    expect(w.reloads).toBe(MAX_RELOADS + 1);
  });
});
