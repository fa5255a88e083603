// Dialogs and panels are real modals (focus kept inside, Escape anywhere, focus back to the
// opener, no axe violations); the export dialog speaks zh-CN; SVG exports download; the
// neuron detail is usable at 800 × 600; thumbnails larger than a cell stay inside it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { layoutGallery, cellPosition } from '../../renderer/src/render/gallery-layout';
import { dropFiles, focusLayer, openApp, openExample, pageErrors, waitForAllLayers } from './app-helpers';
import { axeViolations } from './axe';
import { DOMParser } from '@xmldom/xmldom';
import { decodePng } from '../export/decode-png';

/** Tabs `count` times and returns the data-testid (or tag) of each element focused. */
async function tabThrough(page: Page, selector: string, count: number): Promise<boolean[]> {
  const inside: boolean[] = [];
  for (let i = 0; i < count; i++) {
    await page.keyboard.press(i % 3 === 2 ? 'Shift+Tab' : 'Tab');
    inside.push(await page.evaluate((sel) => !!document.activeElement && !!document.querySelector(sel)?.contains(document.activeElement), selector));
  }
  return inside;
}

test('the export dialog keeps the focus, closes on Escape from anywhere, gives the focus back, and passes axe', async ({ page }) => {
  const errors = pageErrors(page);
  await openApp(page);
  await openExample(page, 'linear-mlp');
  await waitForAllLayers(page);
  await page.getByTestId('toolbar-export').focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByTestId('export-dialog');
  await expect(dialog).toBeVisible();
  await expect.poll(() => page.evaluate(() => !!document.activeElement?.closest('[data-testid=export-dialog]'))).toBe(true);
  // Twenty steps of Tab and Shift+Tab go round the dialog's controls, never behind it.
  expect(await tabThrough(page, '[data-testid=export-dialog]', 20)).toEqual(Array(20).fill(true));
  expect(await axeViolations(page, '[data-testid=export-dialog]')).toEqual([]);
  // Escape with the focus on the backdrop's page (body) still closes it.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(page.getByTestId('toolbar-export')).toBeFocused();
  expect(errors).toEqual([]);
});

test('the settings panel is a modal too', async ({ page }) => {
  await openApp(page);
  await openExample(page, 'linear-mlp');
  await page.getByTestId('open-settings').focus();
  await page.keyboard.press('Enter');
  const panel = page.getByTestId('settings');
  await expect(panel).toBeVisible();
  expect(await tabThrough(page, '[data-testid=settings]', 30)).toEqual(Array(30).fill(true));
  expect(await axeViolations(page, '[data-testid=settings]')).toEqual([]);
  await page.keyboard.press('Escape');
  await expect(panel).toHaveCount(0);
  await expect(page.getByTestId('open-settings')).toBeFocused();
});

test('in a zh-CN browser the export dialog has no English left', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'zh-CN' });
  const page = await context.newPage();
  const errors = pageErrors(page);
  await openApp(page);
  await openExample(page, 'linear-mlp');
  await waitForAllLayers(page);
  await page.getByTestId('toolbar-export').click();
  const dialog = page.getByTestId('export-dialog');
  await expect(dialog).toBeVisible();
  for (const scope of ['neuron', 'layer', 'layers', 'model']) {
    await page.getByTestId(`export-scope-${scope}`).check();
    const text = await dialog.innerText();
    // Names of formats and files are not words to translate; layer names are the model's.
    const rest = text.replace(/\.npy|manifest\.json|\b(PNG|SVG|NumPy|dense\d)\b/g, '');
    expect(rest, scope).not.toMatch(/[A-Za-z]{2,}/);
  }
  // Its messages too.
  for (const f of ['png', 'svg', 'npy', 'json']) await page.getByTestId(`export-format-${f}`).uncheck();
  await page.getByTestId('export-start').click();
  await expect(page.getByTestId('export-error')).toContainText('格式');
  expect(await page.getByTestId('export-error').innerText()).not.toMatch(/[A-Za-z]{2,}/);
  expect(errors).toEqual([]);
  await context.close();
});

for (const scope of ['layer', 'neuron'] as const) {
  test(`an SVG export of the current ${scope} downloads an SVG document that parses, with no page error`, async ({ page }) => {
    const errors = pageErrors(page);
    await openApp(page);
    await openExample(page, 'linear-mlp');
    await waitForAllLayers(page);
    await page.getByTestId('toolbar-export').click();
    await page.getByTestId(`export-scope-${scope}`).check();
    for (const f of ['png', 'npy', 'json']) await page.getByTestId(`export-format-${f}`).uncheck();
    const downloading = page.waitForEvent('download');
    await page.getByTestId('export-start').click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe(scope === 'layer' ? 'dense1.svg' : 'dense1.neuron_0.svg');
    const text = readFileSync(await download.path(), 'utf8');
    expect(text.startsWith('<?xml')).toBe(true);
    const problems: string[] = [];
    const doc = new DOMParser({ errorHandler: { warning: (m: string) => void problems.push(m), error: (m: string) => void problems.push(m), fatalError: (m: string) => void problems.push(m) } }).parseFromString(text, 'image/svg+xml');
    expect(problems).toEqual([]);
    const root = doc.documentElement!;
    expect(root.nodeName).toBe('svg');
    expect(root.getAttribute('xmlns')).toBe('http://www.w3.org/2000/svg');
    const images = Array.from(doc.getElementsByTagName('image'));
    // dense1's 64 thumbnails and the colour bar; the neuron: its one thumbnail.
    expect(images).toHaveLength(scope === 'layer' ? 64 + 1 : 1);
    // Each embedded picture is a PNG of the size the SVG places it at.
    for (const el of images) {
      const href = el.getAttribute('href') ?? el.getAttribute('xlink:href') ?? '';
      const png = decodePng(new Uint8Array(Buffer.from(href.replace(/^data:image\/png;base64,/, ''), 'base64')));
      expect([png.width, png.height]).toEqual([Number(el.getAttribute('width')), Number(el.getAttribute('height'))]);
    }
    if (scope === 'layer') {
      const texts = Array.from(doc.getElementsByTagName('text'), (t) => t.textContent);
      expect(texts).toContain('dense1');
      for (let i = 0; i < 64; i++) expect(texts).toContain(String(i));
    }
    await expect(page.getByTestId('export-saved')).toBeVisible();
    expect(errors).toEqual([]);
  });
}

test('at 800 × 600 the neuron detail shows its picture at a usable size', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 800, height: 600 } });
  const page = await context.newPage();
  await openApp(page);
  await openExample(page, 'small-convnet');
  await focusLayer(page, 'conv1');
  await page.keyboard.press('Enter');
  const chart = page.getByTestId('detail-chart');
  await expect(chart).toBeVisible();
  const box = (await chart.boundingBox())!;
  expect(box.height).toBeGreaterThanOrEqual(200);
  expect(box.width).toBeGreaterThanOrEqual(200);
  // Nothing spills out sideways.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(800);
  await context.close();
});

test('thumbnails of an input larger than a cell (a super-resolution model) stay inside their cells', async ({ page }) => {
  const file = { name: 'pixel_shuffle_96.onnx', bytes: new Uint8Array(readFileSync(path.join(import.meta.dirname, 'fixtures', 'pixel_shuffle_96.onnx'))) };
  await openApp(page);
  await dropFiles(page, [file]);
  await expect(page.getByTestId('model-title')).toHaveText(file.name);
  // The convolution's 4 neurons (the shuffle's 36,864 elements take longer, and are not needed).
  await expect(page.locator('[data-testid=layer-item][data-layer="/conv/Conv_output_0"]')).toHaveAttribute('data-received', '4', { timeout: 60_000 });
  const gallery = page.getByTestId('gallery');
  await expect.poll(async () => Number(await gallery.getAttribute('data-drawn'))).toBeGreaterThanOrEqual(4);
  await page.mouse.move(0, 0);
  const layers = await page.getByTestId('layer-item').evaluateAll((items) => items.map((e) => ({ id: (e as HTMLElement).dataset.layer!, neurons: Number((e as HTMLElement).dataset.total) })));
  const thumb = await page.evaluate(() => JSON.parse(localStorage.getItem('neurovis.settings.v1') ?? '{}')?.display?.thumbSize ?? null);
  const size = (await gallery.boundingBox())!;
  const width = await gallery.evaluate((e) => e.clientWidth);
  // The gallery's own geometry (the component uses the same constants) gives each cell's place.
  const layout = layoutGallery(layers, { thumb: thumb ?? 72, label: 18, gap: 10, header: 52, padding: 16, width });
  const section = layout.sections[0];
  const cell0 = cellPosition(layout, section, 0);
  const m = layout.metrics.thumb;
  // The gap right of the first cell, over the thumbnail's height, holds only the page's background.
  const x = cell0.x + m + 5;
  // The reference: the page's background far right of the layer's four cells, at the same height.
  const ys = [cell0.y + m / 2];
  for (let y = cell0.y + 2; y < cell0.y + m - 2; y += 4) ys.push(y);
  const shot = [...(await gallery.screenshot())];
  const colours = await page.evaluate(
    async ({ bytes, x, ys, cssWidth }) => {
      const bitmap = await createImageBitmap(new Blob([new Uint8Array(bytes)], { type: 'image/png' }));
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(bitmap, 0, 0);
      const k = bitmap.width / cssWidth;
      return ys.map((y, i) => [...ctx.getImageData(Math.round((i === 0 ? cssWidth - 8 : x) * k), Math.round(y * k), 1, 1).data].join());
    },
    { bytes: shot, x, ys, cssWidth: size.width },
  );
  expect(colours.slice(1)).toEqual(Array(ys.length - 1).fill(colours[0]));
});
