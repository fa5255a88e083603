import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { CONTENT_SECURITY_POLICY } from '../electron/common/csp';
import { prepare } from '../workers/engine/prepare';
import { serveIsolated } from '../test/e2e/pool-browser-server';
import type { BrowserBenchAnswer, BrowserBenchRequest } from './browser-page/main';
import { BENCH_MODELS } from './models';
import { timeGallery } from './pool';

/**
 * Browser against Node (issue 9): the same gallery of a bench model on the same number of
 * workers, once in Debian's Chromium (Web Workers, the page under the app's CSP and
 * cross-origin isolated, as in Electron) and once in Node (worker_threads).
 */
export interface BrowserBenchRow {
  readonly model: string;
  readonly neurons: number;
  readonly workers: number;
  readonly browserSeconds: number;
  readonly nodeSeconds: number;
}

export interface BrowserBenchReport {
  readonly browser: string;
  readonly rows: readonly BrowserBenchRow[];
  /** Why nothing was measured (no Chromium here). */
  readonly skipped?: string;
}

const CHROMIUM = '/usr/bin/chromium';
const HERE = dirname(fileURLToPath(import.meta.url));

/** specs: NAME or NAME:K (first K layers). */
export async function benchBrowser(specs: readonly string[], workers: number, log: (line: string) => void): Promise<BrowserBenchReport> {
  if (!existsSync(CHROMIUM)) return { browser: '', rows: [], skipped: `no browser at ${CHROMIUM} (apt-get install chromium)` };
  const root = join(HERE, '..', '..', 'bench', 'browser-page');
  const outDir = mkdtempSync(join(tmpdir(), 'neurovis-bench-page-'));
  await build({
    configFile: false,
    root,
    base: './',
    logLevel: 'warn',
    worker: { format: 'es' },
    build: { outDir, emptyOutDir: true, target: 'es2022' },
  });
  const site = await serveIsolated({ '/': outDir }, { 'Content-Security-Policy': CONTENT_SECURITY_POLICY });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    await page.goto(`${site.url}/index.html`);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
    const rows: BrowserBenchRow[] = [];
    for (const spec of specs) {
      const [name, k] = spec.split(':');
      const request: BrowserBenchRequest = { model: name, workers, ...(k ? { firstLayers: Number(k) } : {}) };
      const answer = await page.evaluate(
        (r) => (globalThis as unknown as { runBench(r: BrowserBenchRequest): Promise<BrowserBenchAnswer> }).runBench(r),
        request,
      );
      if (!answer.crossOriginIsolated) throw new Error('the bench page is not cross-origin isolated');
      const bench = BENCH_MODELS[name]();
      const ids = prepare(bench.graph).layers.map((l) => l.id);
      const nodeSeconds = await timeGallery({ name: bench.name, graph: bench.graph }, workers, { mode: 'exact', objective: { kind: 'neuron' }, radius: 1 }, ids.slice(0, request.firstLayers ?? ids.length));
      const label = k ? `${bench.name} (first ${k} layers)` : bench.name;
      rows.push({ model: label, neurons: answer.neurons, workers, browserSeconds: answer.seconds, nodeSeconds });
      log(`browser ${label}: Chromium ${answer.seconds.toFixed(2)} s, Node ${nodeSeconds.toFixed(2)} s`);
    }
    if (problems.length > 0) log(`browser console errors: ${problems.join('; ')}`);
    return { browser: `Chromium ${browser.version()}`, rows };
  } finally {
    await browser.close();
    await site.close();
    rmSync(outDir, { recursive: true, force: true });
  }
}

export function formatBrowserBench(report: BrowserBenchReport): string {
  if (report.skipped) return `## Browser against Node\n\nNot measured: ${report.skipped}.\n`;
  const lines = [
    '## Browser against Node',
    '',
    `The same gallery (exact mode, every neuron of the layers) on the same number of workers: ${report.browser}`,
    'Web Workers (the page under the app\'s Content-Security-Policy, cross-origin isolated, weights shared)',
    'against Node worker_threads. Both run the engine\'s WebAssembly kernels. Issue 9 asks for at most 1.5×.',
    '',
    '| model | neurons | workers | browser | Node | browser / Node |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of report.rows) {
    lines.push(`| ${r.model} | ${r.neurons} | ${r.workers} | ${r.browserSeconds.toFixed(2)} s | ${r.nodeSeconds.toFixed(2)} s | ${(r.browserSeconds / r.nodeSeconds).toFixed(2)}× |`);
  }
  return lines.join('\n') + '\n';
}
