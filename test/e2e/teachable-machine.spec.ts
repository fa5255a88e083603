// A Teachable Machine export dropped on the window (model.json, weights.bin, metadata.json):
// its class names name the output layer's neurons, on screen and in its exported sheets.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { DOMParser } from '@xmldom/xmldom';
import { unzipSync } from 'fflate';
import { layoutSheets } from '../../workers/export/sprite';
import { decodePng } from '../export/decode-png';
import { dropFiles, focusLayer, openApp, pageErrors, waitForAllLayers } from './app-helpers';

const FOLDER = path.resolve(import.meta.dirname, '../fixtures/tfjs/teachable_machine');

test("Teachable Machine's metadata.json labels name the output neurons", async ({ page }) => {
  const errors = pageErrors(page);
  await openApp(page);
  await dropFiles(page, ['model.json', 'weights.bin', 'metadata.json'].map((name) => ({ name, bytes: new Uint8Array(readFileSync(path.join(FOLDER, name))) })));
  await waitForAllLayers(page);
  const list = page.getByTestId('layer-labels');
  await expect(list).toHaveCount(1);
  for (const name of ['Cat', 'Dog', 'Neither']) await expect(list).toContainText(name);
  await expect(page.locator('[data-testid=layer-item][data-layer="sequential_3/dense_Dense2"] [data-testid=layer-labels]')).toHaveCount(1);
  expect(errors).toEqual([]);
});

test("the app's export of the output layer names the classes in its SVG and PNG sheets and its manifest", async ({ page }) => {
  const errors = pageErrors(page);
  await openApp(page);
  await dropFiles(page, ['model.json', 'weights.bin', 'metadata.json'].map((name) => ({ name, bytes: new Uint8Array(readFileSync(path.join(FOLDER, name))) })));
  await waitForAllLayers(page);
  const output = 'sequential_3/dense_Dense2';
  await focusLayer(page, output);
  await page.getByTestId('toolbar-export').click();
  await page.getByTestId('export-scope-layer').check();
  await page.getByTestId('export-format-npy').uncheck();
  const downloading = page.waitForEvent('download');
  await page.getByTestId('export-start').click();
  const zip = unzipSync(new Uint8Array(readFileSync(await (await downloading).path())));
  const files = new Map(Object.entries(zip).map(([name, bytes]) => [name.slice(name.indexOf('/') + 1), bytes]));
  const manifest = JSON.parse(new TextDecoder().decode(files.get('manifest.json')!)) as { layers: { id: string; file: string; labels?: string[] }[] };
  const entry = manifest.layers.find((l) => l.id === output)!;
  expect(entry.labels).toEqual(['Cat', 'Dog', 'Neither']);
  const base = entry.file.replace(/\.npy$/, '');
  const svg = new TextDecoder().decode(files.get(`${base}.svg`)!);
  const texts = Array.from(new DOMParser().parseFromString(svg, 'image/svg+xml').getElementsByTagName('text'), (t) => t.textContent);
  expect(texts).toEqual(expect.arrayContaining(['Cat', 'Dog', 'Neither']));
  // The PNG sheet has the named layout's size: a caption line more per row than without names.
  const sheet = decodePng(files.get(`${base}.png`)!);
  const thumb = decodePng(files.get(`${base}.neuron_0.png`)!);
  const gallery = { title: output, xstar: new Float32Array(3 * thumb.width * thumb.height), inputShape: [1, thumb.height, thumb.width], channelsLast: false, activations: new Float32Array(3) };
  const options = { colormap: 'rdbu', scale: 'neuron', factor: 1, showValues: true } as const;
  const [named] = layoutSheets({ ...gallery, labels: entry.labels }, thumb.width, thumb.height, options);
  const [plain] = layoutSheets(gallery, thumb.width, thumb.height, options);
  expect([sheet.width, sheet.height]).toEqual([named.width, named.height]);
  expect(named.height).toBeGreaterThan(plain.height);
  expect(errors).toEqual([]);
});
