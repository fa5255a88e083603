// Shared steps of the renderer's end-to-end tests (browser build in Debian's Chromium),
// and the engine run in the test process as the independent truth the UI is checked against.
import { expect, type Page } from '@playwright/test';
import { computeNeurons, type GallerySettings } from '../../workers/engine/compute';
import type { LayerResult } from '../../workers/engine/layer-result';
import { prepare } from '../../workers/engine/prepare';
import type { NetworkSpec } from '../../workers/formats/neurovis/spec';
import { readModel } from '../../workers/formats/index';
import { defaultRadius, DEFAULT_VALUE_RANGE, midGrey } from '../../workers/engine/value-range';
import type { Radius } from '../../workers/engine/layer-radius';
import { EXAMPLES, specFile } from '../../renderer/src/examples/index';

export { EXAMPLES, specFile };

export function example(id: string): NetworkSpec {
  const found = EXAMPLES.find((e) => e.id === id);
  if (!found) throw new Error(`no example ${id}`);
  return found.spec;
}

/**
 * 4,096 neurons over 4,096 inputs, then a ReLU: nonlinear, so the surrogate mode runs the
 * network forward at every x* to report the activation it reaches (about 70 GMAC for the
 * layer). Since those forward passes are batched this takes seconds, not minutes, so tests
 * that need work still running also use one worker.
 */
export const SLOW_WIDE: NetworkSpec = {
  format: 'neurovis',
  version: 1,
  name: 'wide-relu',
  input: { shape: [1, 64, 64] },
  layers: [{ kind: 'flatten' }, { kind: 'dense', name: 'wide', units: 4096, init: { kind: 'normal', seed: 7 } }, { kind: 'activation', name: 'relu', fn: 'relu' }],
};

/**
 * The app's default radius choice: each layer's own, ¼·(hi − lo)·√n over the default range 0–1
 * with n the input values in its receptive field (engine/layer-radius.ts), the CLI's rule.
 */
export const APP_RADIUS: Radius = { range: DEFAULT_VALUE_RANGE };

/** The app's default radius of a layer that sees the whole input of `values` values (dense layers, 1-D inputs). */
export function appRadius(values: number | NetworkSpec): number {
  const n = typeof values === 'number' ? values : values.input.shape.reduce((a, b) => a * b, 1);
  return defaultRadius(DEFAULT_VALUE_RANGE, n);
}

/** The reference the local, deconvnet and guided modes get by default: mid-grey in the default range. */
export function appReference(spec: NetworkSpec): Float32Array {
  return midGrey(DEFAULT_VALUE_RANGE, spec.input.shape.reduce((a, b) => a * b, 1));
}

/** The engine's answer for some neurons of a network, computed here in Node. */
export function engineResult(spec: NetworkSpec, layer: string, neurons: number[], settings: GallerySettings): LayerResult {
  const file = specFile(spec);
  const model = prepare(readModel([{ name: file.name, bytes: file.bytes }]));
  return computeNeurons(model, layer, neurons, settings);
}

/** Opens the app, with settings stored beforehand when given (as a returning user has them). */
export async function openApp(page: Page, settings?: Record<string, unknown>): Promise<void> {
  await page.goto('/');
  if (settings) {
    await page.evaluate((s) => localStorage.setItem('neurovis.settings.v1', JSON.stringify(s)), settings);
    await page.reload();
  }
  await expect(page.getByTestId('start-screen')).toBeVisible();
}

export async function openExample(page: Page, id: string): Promise<void> {
  await page.locator(`[data-testid=example][data-example="${id}"]`).click();
  await expect(page.getByTestId('model-view')).toBeVisible();
}

export interface LayerState {
  layer: string;
  received: number;
  failed: number;
  total: number;
  key: string;
}

export async function layerStates(page: Page): Promise<LayerState[]> {
  return page.getByTestId('layer-item').evaluateAll((items) =>
    items.map((e) => {
      const d = (e as HTMLElement).dataset;
      return { layer: d.layer!, received: Number(d.received), failed: Number(d.failed), total: Number(d.total), key: d.key ?? '' };
    }),
  );
}

/** Waits until every layer has all its neurons. */
export async function waitForAllLayers(page: Page, timeout = 60_000): Promise<LayerState[]> {
  await expect
    .poll(async () => {
      const states = await layerStates(page);
      return states.length > 0 && states.every((s) => s.received === s.total);
    }, { timeout })
    .toBe(true);
  return layerStates(page);
}

/** Drops files on the window as a user dragging them from the file manager does. */
export async function dropFiles(page: Page, files: { name: string; bytes: Uint8Array }[]): Promise<void> {
  await page.evaluate(
    (list) => {
      const dt = new DataTransfer();
      for (const f of list) dt.items.add(new File([new Uint8Array(f.bytes)], f.name));
      const target = document.querySelector('[data-testid=model-view], [data-testid=start-screen]') ?? document.body;
      for (const type of ['dragenter', 'dragover', 'drop']) target.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    },
    files.map((f) => ({ name: f.name, bytes: Array.from(f.bytes) })),
  );
}

/** Drops files on one element (a drop zone inside the window). */
export async function dropFilesOn(page: Page, selector: string, files: { name: string; bytes: Uint8Array }[]): Promise<void> {
  await page.evaluate(
    ({ selector, list }) => {
      const dt = new DataTransfer();
      for (const f of list) dt.items.add(new File([new Uint8Array(f.bytes)], f.name));
      const target = document.querySelector(selector)!;
      for (const type of ['dragenter', 'dragover', 'drop']) target.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    },
    { selector, list: files.map((f) => ({ name: f.name, bytes: Array.from(f.bytes) })) },
  );
}

/** Puts the keyboard focus on the gallery and a given layer's first neuron. */
export async function focusLayer(page: Page, layer: string): Promise<void> {
  await page.locator(`[data-testid=layer-item][data-layer="${layer}"] > button`).click();
  await page.getByTestId('gallery').focus();
}

/** The values table of the neuron detail, row-major. */
export async function detailValues(page: Page): Promise<{ row: number; col: number; value: number }[]> {
  const table = page.getByTestId('values-table');
  if (!(await table.isVisible())) await page.locator('details.values > summary').click();
  await expect(table).toBeVisible();
  return table.locator('td').evaluateAll((cells) =>
    cells.map((c) => {
      const d = (c as HTMLElement).dataset;
      return { row: Number(d.row), col: Number(d.col), value: Number(d.value) };
    }),
  );
}

export async function detailNumber(page: Page, key: string): Promise<number> {
  return Number(await page.locator(`[data-testid=detail-numbers] dd[data-key="${key}"]`).getAttribute('data-value'));
}

export async function setSelect(page: Page, testId: string, value: string): Promise<void> {
  await page.getByTestId(testId).selectOption(value);
}

/** Collects the page's uncaught errors (a test ends by expecting none). */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  return errors;
}
