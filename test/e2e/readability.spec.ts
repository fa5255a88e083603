// Galleries a person can read (issue 17) in the app: thumbnails cut to each neuron's
// receptive field, the input's layout and value range as settings, x* in data units.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { renderInputThumbnail, thumbnailDrawing } from '../../workers/imaging/input-layout';
import type { RGBAImage } from '../../workers/imaging/thumbnail';
import { defaultRadius, VALUE_RANGE_PRESETS } from '../../workers/engine/value-range';
import type { NetworkSpec } from '../../workers/formats/neurovis/spec';
import { cellPosition, layoutGallery } from '../../renderer/src/render/gallery-layout';
import { appRadius, detailNumber, detailValues, dropFiles, engineResult, focusLayer, openApp, openExample, specFile, waitForAllLayers } from './app-helpers';

const SHOTS = path.join(import.meta.dirname, 'screenshots');

test('thumbnails are cut to the receptive field of each layer', async ({ page }) => {
  mkdirSync(SHOTS, { recursive: true });
  await openApp(page);
  await openExample(page, 'small-convnet');
  await waitForAllLayers(page);
  // conv1: a 5×5 kernel with padding 2 on 28×28; the centre neuron (13, 13) reads rows and columns 11–15.
  await expect(page.locator('[data-testid=gallery-header][data-layer=conv1]')).toHaveAttribute('data-crop', '11,11,5,5');
  await expect(page.locator('[data-testid=gallery-header][data-layer=conv1] [data-testid=gallery-crop]')).toHaveText('crop 5×5');
  // pool1 (2×2) then conv2 (3×3, padding 1): 4×4 pool cells of conv1's 5×5 fields, 2·3 + 5 − 1 = 10 pixels across.
  const conv2 = await page.locator('[data-testid=gallery-header][data-layer=conv2]').getAttribute('data-crop');
  expect(conv2!.split(',').map(Number).slice(2)).toEqual([10, 10]);
  // A dense layer sees the whole input: no crop.
  await expect(page.locator('[data-testid=gallery-header][data-layer=logits]')).not.toHaveAttribute('data-crop', /./);
  await page.screenshot({ path: path.join(SHOTS, 'readability-crops.png') });
});

test('the value range and each layer’s receptive field set its radius, which the settings and the headers show and every layer recomputes with', async ({ page }) => {
  await openApp(page);
  await openExample(page, 'small-convnet');
  await waitForAllLayers(page);
  await page.getByTestId('open-settings').click();
  const used = page.getByTestId('radius-used');
  // ¼ · (hi − lo) · √n over the default 0–1, n the values in the layer's receptive field: conv1's
  // 5×5 box (the smallest) to the logits' whole 28×28 input, as the CLI's default.
  const radii = (range: readonly [number, number]): string => [defaultRadius(range, 25), defaultRadius(range, 784)].join(',');
  await expect(used).toHaveAttribute('data-value', radii([0, 1]));
  await expect(page.locator('[data-testid=gallery-header][data-layer=conv1] [data-testid=gallery-radius]')).toHaveAttribute('data-value', String(defaultRadius([0, 1], 25)));
  await expect(page.locator('[data-testid=gallery-header][data-layer=logits] [data-testid=gallery-radius]')).toHaveText('r 7');
  await page.getByTestId('setting-value-range').selectOption('0-255');
  await expect(used).toHaveAttribute('data-value', radii([0, 255]));
  await page.getByTestId('setting-value-range').selectOption('imagenet');
  const imagenet = radii(VALUE_RANGE_PRESETS.imagenet);
  await expect(used).toHaveAttribute('data-value', imagenet);
  await expect(used).toContainText('Radius used: 5.947 … 33.31');
  // A radius of one's own wins over the range, and emptying it goes back to the rule.
  await page.getByTestId('setting-radius').fill('2');
  await page.getByTestId('setting-radius').press('Enter');
  await expect(used).toHaveAttribute('data-value', '2');
  await page.getByTestId('setting-radius').fill('');
  await page.getByTestId('setting-radius').press('Enter');
  await expect(used).toHaveAttribute('data-value', imagenet);
  await page.getByTestId('settings-close').click();
  // Every layer's results belong to the new range (its staleness key), and the detail says the layer's radius.
  const states = await waitForAllLayers(page);
  expect(states.every((s) => s.key.includes(`r:rf:${VALUE_RANGE_PRESETS.imagenet.join(',')}|`))).toBe(true);
  await focusLayer(page, 'conv1');
  await page.keyboard.press('Enter');
  expect(await detailNumber(page, 'radius')).toBeCloseTo(defaultRadius(VALUE_RANGE_PRESETS.imagenet, 25), 6);
});

/** A 784-value MLP: its input is a flat vector, drawn as bars until the user says it is 28×28. */
const FLAT_MLP: NetworkSpec = {
  format: 'neurovis',
  version: 1,
  name: 'flat-mlp-784',
  input: { shape: [784] },
  layers: [{ kind: 'dense', name: 'hidden', units: 6, init: { kind: 'normal', seed: 4 } }],
};

test('an image shape of 28, 28 draws a 784-value input as a 28×28 image', async ({ page }) => {
  mkdirSync(SHOTS, { recursive: true });
  await openApp(page);
  await dropFiles(page, [specFile(FLAT_MLP)]);
  await waitForAllLayers(page);
  await focusLayer(page, 'hidden');
  await page.keyboard.press('Enter');
  const before = await detailValues(page);
  expect(Math.max(...before.map((v) => v.row))).toBe(0);
  expect(before).toHaveLength(784);
  await page.getByTestId('back').click();

  await page.getByTestId('open-settings').click();
  await expect(page.getByTestId('setting-input-layout').locator('option').first()).toHaveText('Detected (flat)');
  await page.getByTestId('setting-image-shape').fill('28, 28');
  await page.getByTestId('setting-image-shape').press('Enter');
  await page.getByTestId('settings-close').click();
  await expect(page.getByTestId('gallery')).toHaveAttribute('data-image-shape', '28,28');
  await waitForAllLayers(page);
  await page.screenshot({ path: path.join(SHOTS, 'readability-image-shape.png') });
  await focusLayer(page, 'hidden');
  await page.keyboard.press('Enter');
  const after = await detailValues(page);
  expect(Math.max(...after.map((v) => v.row)) + 1).toBe(28);
  expect(Math.max(...after.map((v) => v.col)) + 1).toBe(28);
  // The same x*, read row by row.
  const byIndex = new Map(before.map((v) => [v.col, v.value]));
  for (const v of after) expect(v.value).toBe(byIndex.get(v.row * 28 + v.col));
});

/** Pixels read off the page. */
interface Pixels {
  readonly width: number;
  readonly height: number;
  readonly data: readonly number[];
}

/**
 * The first thumbnail's cell of a layer as the gallery's canvas holds it: the header's left
 * edge and the grid's top (GalleryPane: a header band of 52 px, the header's 6 px margin).
 */
async function firstCell(page: Page, layer: string, thumb: number): Promise<Pixels> {
  const header = (await page.locator(`[data-testid=gallery-header][data-layer="${layer}"]`).boundingBox())!;
  return page.evaluate(
    ({ x, y, thumb }) => {
      const canvas = document.querySelector<HTMLCanvasElement>('[data-testid=gallery] canvas')!;
      const box = canvas.getBoundingClientRect();
      const k = canvas.width / box.width;
      const data = canvas.getContext('2d')!.getImageData(Math.round((x - box.x) * k), Math.round((y - box.y) * k), thumb, thumb).data;
      return { width: thumb, height: thumb, data: [...data] };
    },
    { x: header.x, y: header.y - 6 + 52, thumb },
  );
}

/** Where the imaging module's picture differs from what the page drew, centred in the cell as the gallery draws it. */
function mismatches(shot: Pixels, img: RGBAImage): number {
  const ox = Math.round((shot.width - img.width) / 2);
  const oy = Math.round((shot.height - img.height) / 2);
  let bad = 0;
  for (let y = 0; y < img.height; y++)
    for (let x = 0; x < img.width; x++) {
      const i = 4 * (y * img.width + x);
      if (img.data[i + 3] === 0) continue;
      const j = 4 * ((y + oy) * shot.width + x + ox);
      if ([0, 1, 2].some((c) => Math.abs(img.data[i + c] - shot.data[j + c]) > 3)) bad++;
    }
  return bad;
}

test('an image shape of 28, 28 redraws a 784-value input’s thumbnails from bars into the 28×28 picture of x*', async ({ page }) => {
  const thumb = 112;
  await openApp(page, { display: { colormap: 'rdbu', scale: 'neuron', thumbSize: thumb } });
  await dropFiles(page, [specFile(FLAT_MLP)]);
  await waitForAllLayers(page);
  // The truth: the engine's x* of neuron 0 (a linear network: the exact mode, at the app's radius), drawn by workers/imaging.
  const xstar = engineResult(FLAT_MLP, 'hidden', [0], { mode: 'exact', objective: { kind: 'neuron' }, radius: appRadius(FLAT_MLP) }).xstar;
  const scale = xstar.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const draw = (imageShape: number[] | null): RGBAImage =>
    renderInputThumbnail(xstar, 0, thumbnailDrawing({ inputShape: [784], inputLayout: 'flat', imageShape }, null), { colormap: 'rdbu', scale, size: thumb });
  const bars = draw(null);
  const picture = draw([28, 28]);
  expect([picture.width, picture.height]).toEqual([thumb, thumb]);
  // The bars leave part of their frame transparent; the comparison reads only what they paint, at least a tenth of it.
  const painted = (img: RGBAImage): number => img.data.filter((v, i) => i % 4 === 3 && v > 0).length;
  expect(painted(bars)).toBeGreaterThan(thumb * thumb * 0.1);
  expect(painted(picture)).toBe(thumb * thumb);

  await expect.poll(async () => mismatches(await firstCell(page, 'hidden', thumb), bars)).toBe(0);
  expect(mismatches(await firstCell(page, 'hidden', thumb), picture)).toBeGreaterThan(thumb * thumb * 0.5);

  await page.getByTestId('open-settings').click();
  await page.getByTestId('setting-image-shape').fill('28, 28');
  await page.getByTestId('setting-image-shape').press('Enter');
  await page.getByTestId('settings-close').click();
  await expect(page.getByTestId('gallery')).toHaveAttribute('data-image-shape', '28,28');
  await waitForAllLayers(page);
  await expect.poll(async () => mismatches(await firstCell(page, 'hidden', thumb), picture)).toBe(0);
  // Rows of 28 values: the picture is not the bars' values in another frame.
  expect(mismatches(await firstCell(page, 'hidden', thumb), bars)).toBeGreaterThan(0);
});

test('the neuron detail outlines the receptive field in the whole input and zooms into it', async ({ page }) => {
  await openApp(page);
  await openExample(page, 'small-convnet');
  await waitForAllLayers(page);
  await focusLayer(page, 'conv1');
  await page.keyboard.press('Enter');
  const picture = page.getByTestId('detail-picture');
  await expect(picture).toHaveAttribute('data-crop', '11,11,5,5');
  await expect(picture).toHaveAttribute('data-window', '0,0,28,28');
  await expect(page.getByTestId('detail-crop')).toContainText('5×5');
  // x* in the input's units, beside the range the input lives in (0–1 here).
  await expect(page.getByTestId('detail-legend')).toContainText('value range 0 … 1');
  // Zoom centres on the receptive field: buttons, the wheel, the keyboard.
  await page.getByTestId('detail-zoom-in').click();
  await expect(page.getByTestId('detail-zoom')).toHaveAttribute('data-zoom', '2');
  await expect(picture).toHaveAttribute('data-window', '7,7,14,14');
  const box = (await picture.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel(0, -100);
  await expect(page.getByTestId('detail-zoom')).toHaveAttribute('data-zoom', '4');
  await expect(picture).toHaveAttribute('data-window', '10,10,7,7');
  await page.screenshot({ path: path.join(SHOTS, 'readability-detail-zoom.png') });
  // The tooltip names the input's own row and column inside the zoomed window.
  const tip = page.getByTestId('detail-chart').locator('div', { hasText: /x\* =/ }).last();
  await page.mouse.move(box.x + box.width / 2 + 1, box.y + box.height / 2 + 1);
  await expect(tip).toBeVisible();
  const m = /row (\d+), column (\d+)/.exec((await tip.textContent()) ?? '');
  expect(Number(m![1])).toBeGreaterThanOrEqual(10);
  expect(Number(m![1])).toBeLessThan(17);
  await page.keyboard.press('-');
  await expect(page.getByTestId('detail-zoom')).toHaveAttribute('data-zoom', '2');
  await page.keyboard.press('0');
  await expect(picture).toHaveAttribute('data-window', '0,0,28,28');
  await page.getByTestId('detail-zoom-in').click();
  await page.getByTestId('detail-zoom-reset').click();
  await expect(page.getByTestId('detail-zoom')).toHaveAttribute('data-zoom', '1');
});

const SHARED = path.resolve(import.meta.dirname, '../../../shared/models');
const REAL = [
  { name: 'a 128-pixel channels-last TFLite MobileNet (uint8 input)', file: 'tflite/coral_mobilenet_v1_0.25_128_uint8.tflite', shot: 'readability-mobilenet128' },
  { name: 'a channels-last Keras ResNet-8 (CIFAR-10)', file: 'keras/keras2.4_mlcommons_resnet8_cifar10.h5', shot: 'readability-resnet8' },
];
for (const real of REAL) {
  test(`first-convolution thumbnails of ${real.name} are crops of the input`, async ({ page }) => {
    const full = path.join(SHARED, real.file);
    test.skip(!existsSync(full), `${SHARED} is not here (the real models live beside the repository)`);
    mkdirSync(SHOTS, { recursive: true });
    await openApp(page, { compute: { mode: 'surrogate', objective: 'neuron', position: [0, 0], radius: null, valueRange: 'auto', ascentSteps: 200, preview: 8 } });
    await dropFiles(page, [{ name: path.basename(full), bytes: new Uint8Array(readFileSync(full)) }]);
    const first = page.getByTestId('gallery-header').first();
    await expect(first).toHaveAttribute('data-crop', /\d/, { timeout: 60_000 });
    const [, , h, w] = (await first.getAttribute('data-crop'))!.split(',').map(Number);
    expect(h * w).toBeLessThan(64);
    await expect.poll(async () => Number(await first.getAttribute('data-drawn')), { timeout: 120_000 }).toBeGreaterThan(0);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(SHOTS, `${real.shot}.png`) });
    await page.getByTestId('gallery').focus();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('detail-picture')).toHaveAttribute('data-crop', /\d/);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(SHOTS, `${real.shot}-detail.png`) });
  });
}

test('thumbnails show reference + x* in data units (grey for a one-channel input); stretch contrast shows x* alone through the colormap', async ({ page }) => {
  // Local mode linearises at mid-grey: the picture is mid-grey + x*, drawn black → white over 0 … 1.
  await openApp(page, { version: 2, compute: { mode: 'local' } });
  await openExample(page, 'small-convnet');
  await waitForAllLayers(page);
  const gallery = page.getByTestId('gallery');
  await page.mouse.move(0, 0);
  const layers = await page.getByTestId('layer-item').evaluateAll((items) => items.map((e) => ({ id: (e as HTMLElement).dataset.layer!, neurons: Number((e as HTMLElement).dataset.total) })));
  const width = await gallery.evaluate((e) => e.clientWidth);
  const layout = layoutGallery(layers, { thumb: 72, label: 18, gap: 10, header: 52, padding: 16, width });
  const cell = cellPosition(layout, layout.sections[0], 0);
  const m = layout.metrics.thumb;
  // A grid over the middle of conv1's first thumbnail (its 5×5 crop fills the cell).
  const points: [number, number][] = [];
  for (let i = 0; i < 7; i++) for (let j = 0; j < 7; j++) points.push([cell.x + m * (0.2 + 0.1 * j), cell.y + m * (0.2 + 0.1 * i)]);
  const sample = async (): Promise<number[][]> => {
    const size = (await gallery.boundingBox())!;
    const shot = [...(await gallery.screenshot())];
    return page.evaluate(
      async ({ bytes, points, cssWidth }) => {
        const bitmap = await createImageBitmap(new Blob([new Uint8Array(bytes)], { type: 'image/png' }));
        const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
        const ctx = canvas.getContext('2d')!;
        ctx.drawImage(bitmap, 0, 0);
        const k = bitmap.width / cssWidth;
        return points.map(([x, y]) => [...ctx.getImageData(Math.round(x * k), Math.round(y * k), 1, 1).data]);
      },
      { bytes: shot, points, cssWidth: size.width },
    );
  };
  const units = await sample();
  // Grey: red = green = blue at every point, and the picture is not flat.
  expect(units.every(([r, g, b]) => r === g && g === b)).toBe(true);
  expect(new Set(units.map(([r]) => r)).size).toBeGreaterThan(3);
  await page.getByTestId('open-settings').click();
  await page.getByTestId('setting-stretch').check();
  await page.getByTestId('settings-close').click();
  await page.mouse.move(0, 0);
  // The red–blue colormap: x* alone, its signs in red and blue.
  await expect.poll(async () => (await sample()).filter(([r, , b]) => Math.abs(r - b) > 40).length).toBeGreaterThan(5);
  await page.screenshot({ path: path.join(SHOTS, 'readability-stretch.png') });
});
