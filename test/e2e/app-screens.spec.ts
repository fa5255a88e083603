// Screenshots of the main screens in the light and dark themes (test/e2e/screenshots/),
// taken the way a user sees them; the theme each one is in comes from the OS setting.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { focusLayer, openApp, openExample, waitForAllLayers } from './app-helpers';

const DIR = path.join(import.meta.dirname, 'screenshots');

for (const scheme of ['light', 'dark'] as const) {
  test(`screens in the ${scheme} theme`, async ({ browser }) => {
    mkdirSync(DIR, { recursive: true });
    const context = await browser.newContext({ colorScheme: scheme, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const shot = (name: string) => page.screenshot({ path: path.join(DIR, `${name}-${scheme}.png`) });
    await openApp(page);
    await expect(page.locator('html')).toHaveAttribute('data-theme', scheme);
    await shot('start');

    await openExample(page, 'small-convnet');
    await waitForAllLayers(page);
    await page.locator('[data-testid=notice] [data-testid=dismiss]').click();
    await focusLayer(page, 'conv2');
    await page.keyboard.press('ArrowRight');
    await expect.poll(async () => Number(await page.getByTestId('gallery').getAttribute('data-drawn'))).toBeGreaterThan(0);
    await shot('gallery');

    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('detail-chart')).toBeVisible();
    await page.waitForTimeout(300);
    await shot('detail');

    await page.keyboard.press('Escape');
    await page.locator('[data-testid=gallery-header][data-layer=conv2] button').click();
    await expect(page.getByTestId('overview-chart')).toBeVisible();
    await page.waitForTimeout(300);
    await shot('overview');

    await page.getByTestId('home').click();
    await openExample(page, 'kernel-2x2');
    await waitForAllLayers(page);
    await page.locator('[data-testid=gallery-header][data-layer=positions] button').click();
    await expect(page.getByTestId('matrix')).toBeVisible();
    await page.waitForTimeout(300);
    await shot('matrix');

    await page.getByTestId('toolbar-build').click();
    await expect(page.getByTestId('builder')).toBeVisible();
    await shot('builder');

    await page.getByTestId('open-settings').click();
    await expect(page.getByTestId('settings')).toBeVisible();
    await shot('settings');
    await context.close();
  });
}

test('start screen in Simplified Chinese', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'zh-CN' });
  const page = await context.newPage();
  await openApp(page);
  await page.screenshot({ path: path.join(DIR, 'start-zh-CN.png') });
  await context.close();
});
