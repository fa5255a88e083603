// Gradient ascent shows its steps as it goes (issue 17): a bar in the header of each layer under
// way and the steps in the jobs bar, from the reports the pool's workers send during their jobs.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { dropFiles, openApp, waitForAllLayers } from './app-helpers';

const SHOTS = path.join(import.meta.dirname, 'screenshots');
const MNIST = path.join(import.meta.dirname, '..', '..', 'renderer', 'src', 'examples', 'mnist-cnn', 'mnist-cnn.onnx');
const STEPS = 5000;
const PREVIEW = 4;

interface Seen {
  readonly layer: string;
  readonly now: number;
  readonly max: number;
  readonly min: number;
  readonly label: string;
  readonly jobs: string;
  /** The jobs bar's neuron count ("8 of 28 neurons") and its track's width in per cent. */
  readonly neurons: string;
  readonly track: number;
}

test('an ascent gallery shows each running layer’s steps as a bar that advances', async ({ page }) => {
  mkdirSync(SHOTS, { recursive: true });
  await openApp(page, { compute: { mode: 'ascent', objective: 'neuron', position: [0, 0], radius: null, valueRange: 'auto', ascentSteps: STEPS, preview: PREVIEW }, workers: 1 });
  // Every bar and the jobs bar's steps text, as often as the page renders, from before the model opens.
  await page.evaluate(() => {
    const seen: Seen[] = [];
    (window as unknown as { seenSteps: Seen[] }).seenSteps = seen;
    const look = (): void => {
      const jobs = document.querySelector('[data-testid=jobs-steps]')?.textContent ?? '';
      const neurons = document.querySelector('[data-testid=progress-text]')?.textContent?.trim() ?? '';
      const track = parseFloat(document.querySelector<HTMLElement>('[data-testid=jobs-bar] .track > span')?.style.width ?? '');
      for (const bar of document.querySelectorAll<HTMLElement>('[data-testid=layer-steps]')) {
        seen.push({
          layer: bar.dataset.layer!,
          now: Number(bar.getAttribute('aria-valuenow')),
          max: Number(bar.getAttribute('aria-valuemax')),
          min: Number(bar.getAttribute('aria-valuemin')),
          label: bar.getAttribute('aria-label') ?? '',
          jobs,
          neurons,
          track,
        });
      }
      requestAnimationFrame(look);
    };
    look();
  });
  await dropFiles(page, [{ name: 'mnist-cnn.onnx', bytes: new Uint8Array(readFileSync(MNIST)) }]);
  const bar = page.getByTestId('layer-steps').first();
  // The time estimate counts every step of the limit, which the ascent seldom takes: past the budget the app asks first.
  const start = page.getByTestId('budget-start');
  await expect(bar.or(start)).toBeVisible({ timeout: 60_000 });
  if (await start.isVisible()) await start.click();
  await expect(bar).toBeVisible({ timeout: 60_000 });
  await expect(bar).toHaveAttribute('role', 'progressbar');
  await expect(page.getByTestId('jobs-steps')).toContainText('ascent steps');
  // For the picture, a bar part of the way (not asserted: a fast machine may go past it).
  await page
    .waitForFunction(() => [...document.querySelectorAll('[data-testid=layer-steps]')].some((b) => Number(b.getAttribute('aria-valuenow')) < Number(b.getAttribute('aria-valuemax')) / 2), undefined, { timeout: 10_000, polling: 'raf' })
    .catch(() => undefined);
  await page.screenshot({ path: path.join(SHOTS, 'ascent-steps.png') });
  await waitForAllLayers(page, 300_000);
  await expect(page.getByTestId('layer-steps')).toHaveCount(0);
  await expect(page.getByTestId('jobs-steps')).toHaveCount(0);

  const seen = await page.evaluate(() => (window as unknown as { seenSteps: Seen[] }).seenSteps);
  // Each layer of the preview holds 4 neurons × 5,000 steps; a bar is shown only while its layer is under way.
  expect(seen.length).toBeGreaterThan(0);
  for (const s of seen) {
    expect(s).toMatchObject({ min: 0, max: PREVIEW * STEPS, label: 'Gradient ascent steps of this layer (each neuron’s steps count)' });
    expect(s.now).toBeGreaterThan(0);
    expect(s.now).toBeLessThanOrEqual(s.max);
    expect(s.jobs).toMatch(/^[\d,]+ of [\d,]+ ascent steps$/);
  }
  // Within a layer the bar only grows, and in at least one it was seen at several places.
  const byLayer = new Map<string, number[]>();
  for (const s of seen) byLayer.set(s.layer, [...(byLayer.get(s.layer) ?? []), s.now]);
  for (const values of byLayer.values()) for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1]);
  expect(Math.max(...[...byLayer.values()].map((v) => new Set(v).size))).toBeGreaterThan(1);
  // The jobs bar's track moves with the steps: never behind the neurons received, ahead of them between jobs' results.
  const ahead = seen.map((s) => {
    const [received, total] = s.neurons.split(' of ').map((n) => Number(n.replace(/\D/g, '')));
    return s.track - (100 * received) / total;
  });
  expect(Math.min(...ahead)).toBeGreaterThanOrEqual(-1e-9);
  expect(Math.max(...ahead)).toBeGreaterThan(0);
});
