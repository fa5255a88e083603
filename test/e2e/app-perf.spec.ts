// Responsiveness while a 4,096-neuron layer computes and the user scrolls its gallery:
// the longest main-thread task (PerformanceObserver 'longtask') and the frame rate.
// A measurement, not a timing assertion: it is printed and written to tmp/ui-responsiveness.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { dropFiles, layerStates, openApp, SLOW_WIDE, specFile } from './app-helpers';

const ROOT = path.resolve(import.meta.dirname, '../..');

test('scrolling a 4,096-neuron gallery while it computes', async ({ page }) => {
  test.setTimeout(180_000);
  await page.addInitScript(() => {
    const w = window as unknown as { __longTasks: { start: number; duration: number }[] };
    w.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
  await openApp(page);
  await dropFiles(page, [specFile(SLOW_WIDE)]);
  await expect(page.getByTestId('model-title')).toHaveText('wide-relu.neurovis.json');
  const gallery = page.getByTestId('gallery');
  await expect.poll(async () => Number(await gallery.getAttribute('data-drawn'))).toBeGreaterThan(0);
  const receivedBefore = (await layerStates(page)).reduce((n, s) => n + s.received, 0);

  // Count frames from here on.
  const start = await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __counting: boolean };
    w.__frames = [];
    w.__counting = true;
    const tick = (t: number): void => {
      w.__frames.push(t);
      if (w.__counting) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    return performance.now();
  });
  const box = (await gallery.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  // Down through the layer and back up, as fast as a trackpad fling: 200 wheel steps.
  for (let i = 0; i < 200; i++) {
    await page.mouse.wheel(0, i < 120 ? 600 : -900);
    await page.waitForTimeout(40);
  }
  const result = await page.evaluate((t0) => {
    const w = window as unknown as { __frames: number[]; __counting: boolean; __longTasks: { start: number; duration: number }[] };
    w.__counting = false;
    const t1 = performance.now();
    const frames = w.__frames;
    let longestFrame = 0;
    for (let i = 1; i < frames.length; i++) longestFrame = Math.max(longestFrame, frames[i] - frames[i - 1]);
    const tasks = w.__longTasks.filter((x) => x.start >= t0);
    return {
      seconds: (t1 - t0) / 1000,
      fps: frames.length / ((t1 - t0) / 1000),
      longestFrameMs: longestFrame,
      longTasks: tasks.length,
      longestTaskMs: tasks.reduce((m, x) => Math.max(m, x.duration), 0),
      tasksOver50ms: tasks.map((x) => Math.round(x.duration)),
    };
  }, start);
  const states = await layerStates(page);
  const receivedAfter = states.reduce((n, s) => n + s.received, 0);
  const drawn = Number(await gallery.getAttribute('data-drawn'));
  // Under load the layer may have finished while we scrolled: then there is nothing to cancel.
  const cancel = page.getByTestId('cancel');
  if (await cancel.isVisible()) await cancel.click();

  const report = { ...result, neuronsComputedDuringScroll: receivedAfter - receivedBefore, thumbnailsOnScreenAtEnd: drawn, workers: await page.evaluate(() => navigator.hardwareConcurrency) };
  console.log('UI responsiveness:', JSON.stringify(report));
  mkdirSync(path.join(ROOT, 'tmp'), { recursive: true });
  writeFileSync(path.join(ROOT, 'tmp', 'ui-responsiveness.json'), JSON.stringify(report, null, 2) + '\n');
  test.info().annotations.push({ type: 'longest main-thread task (ms)', description: String(report.longestTaskMs) }, { type: 'frames per second', description: report.fps.toFixed(1) });

  // The measurement covered real drawing of computed neurons (whether computation was still running
  // depends on the machine's speed, so the report says how many neurons arrived during the scroll).
  expect(receivedAfter).toBeGreaterThanOrEqual(receivedBefore);
  expect(receivedAfter).toBeGreaterThan(0);
  expect(result.fps).toBeGreaterThan(0);
});
