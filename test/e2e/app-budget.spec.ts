// Before any work: a preview computes the first N neurons of each layer; a gallery past the
// memory budget never starts (one clear notice, no RangeError); past ~10 minutes the app asks.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { dropFiles, layerStates, openApp, waitForAllLayers } from './app-helpers';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SHARED_QUANTIZED = path.resolve(ROOT, '../shared/models/onnx/qlinear_int8_mobilenetv2_cifar10.onnx');
const file = (full: string) => ({ name: path.basename(full), bytes: new Uint8Array(readFileSync(full)) });
const SETTINGS = (preview: number) => ({ compute: { mode: 'surrogate', objective: 'neuron', position: [0, 0], radius: 1, ascentSteps: 200, preview } });

test('a preview computes only the first N neurons of each layer', async ({ page }) => {
  await openApp(page, SETTINGS(2));
  await dropFiles(page, [file(path.join(ROOT, 'test/fixtures/modes/relu_cnn.onnx'))]);
  const states = await waitForAllLayers(page);
  expect(states.length).toBeGreaterThan(1);
  for (const s of states) expect(s.total).toBe(2);
  await page.getByTestId('open-settings').click();
  await expect(page.getByTestId('setting-preview')).toHaveValue('2');
});

test('a gallery past the memory budget never starts: one notice naming the biggest layer, no RangeError', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await openApp(page, SETTINGS(0));
  await dropFiles(page, [file(path.join(ROOT, 'test/fixtures/budget/huge_dense_layer.onnx'))]);
  const notice = page.locator('[data-testid=notice][data-kind=error]');
  await expect(notice).toContainText('too big to start');
  await expect(notice).toContainText('"relu"');
  const states = await layerStates(page);
  expect(states.every((s) => s.received === 0)).toBe(true);
  expect(errors.filter((m) => /RangeError|typed array/.test(m))).toEqual([]);
});

test('a gallery past ~10 minutes of work is started only if the user agrees', async ({ page }) => {
  test.skip(!existsSync(SHARED_QUANTIZED), `${SHARED_QUANTIZED} is not here (the real models live beside the repository)`);
  await openApp(page, { ...SETTINGS(0), workers: 1 });
  const asked = new Promise<string>((resolve) => page.once('dialog', (d) => (resolve(d.message()), void d.dismiss())));
  await dropFiles(page, [file(SHARED_QUANTIZED)]);
  expect(await asked).toMatch(/^This gallery is big: 19,148 neurons, about .* on 1 worker, .*Start anyway\?/);
  await expect(page.locator('[data-testid=notice]').filter({ hasText: 'Not started' })).toBeVisible();
  const states = await layerStates(page);
  expect(states.every((s) => s.received === 0)).toBe(true);
});
