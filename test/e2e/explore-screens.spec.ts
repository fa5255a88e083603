// Screenshots of the views of issue 20 (search, graph, weights, compare, the export dialog,
// the neuron detail) in both themes at 1280 × 800 and 800 × 600, into test/e2e/screenshots/.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { openApp, openExample, waitForAllLayers } from './app-helpers';

const DIR = path.join(import.meta.dirname, 'screenshots');
const SIZES = [
  { width: 1280, height: 800 },
  { width: 800, height: 600 },
] as const;

for (const scheme of ['light', 'dark'] as const) {
  for (const size of SIZES) {
    test(`views of a model in the ${scheme} theme at ${size.width}x${size.height}`, async ({ browser }) => {
      mkdirSync(DIR, { recursive: true });
      const context = await browser.newContext({ colorScheme: scheme, viewport: size });
      const page = await context.newPage();
      const shot = async (name: string): Promise<void> => {
        // Nothing wider than the window: no part of the app is pushed out of sight.
        const overflow = await page.evaluate(() => [...document.querySelectorAll('.app, .toolbar, .app > *')].filter((e) => e.scrollWidth > e.clientWidth + 1 || e.scrollLeft > 0).map((e) => e.className));
        expect(overflow, name).toEqual([]);
        await page.screenshot({ path: path.join(DIR, `${name}-${scheme}-${size.width}.png`) });
      };
      await openApp(page);
      await openExample(page, 'small-convnet');
      await waitForAllLayers(page);
      await page.locator('[data-testid=notice] [data-testid=dismiss]').click();

      await page.getByTestId('search').fill('conv');
      await expect(page.getByTestId('search-result').first()).toBeVisible();
      await shot('search');
      await page.getByTestId('search').fill('conv2 5');
      await page.getByTestId('search').press('Enter');
      await page.getByTestId('search').press('Escape');

      await page.keyboard.press('Enter');
      await expect(page.getByTestId('detail-chart')).toBeVisible();
      await page.waitForTimeout(300);
      await shot('neuron');

      await page.getByTestId('compare-open').click();
      await expect(page.locator('[data-testid=compare-card][data-state=done]')).toHaveCount(3, { timeout: 90_000 });
      await shot('compare');

      await page.getByTestId('compare-back').click();
      await page.getByTestId('back').click();
      await page.getByTestId('view-graph').click();
      await page.locator('[data-testid=graph-view] details.list > summary').click();
      await page.locator('[data-testid=graph-node]').nth(4).click();
      await page.waitForTimeout(300);
      await shot('graph');

      await page.getByTestId('view-weights').click();
      await expect(page.getByTestId('weights-histogram')).toBeVisible();
      await page.waitForTimeout(300);
      await shot('weights');

      await page.getByTestId('view-gallery').click();
      await page.getByTestId('toolbar-export').click();
      await expect(page.getByTestId('export-dialog')).toBeVisible();
      await shot('export');
      await context.close();
    });
  }
}
