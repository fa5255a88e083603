import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { CONTENT_SECURITY_POLICY } from '../electron/common/csp';
import type { GalleryMode } from '../workers/engine/compute';
import type { Graph } from '../workers/engine/graph';
import { prepare } from '../workers/engine/prepare';
import { readModel } from '../workers/formats/index';
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

/** A spec: NAME or NAME:K (first K layers) of a bench model, or FILE.onnx:MODE[:N] (every layer, the first N neurons of each). */
interface Spec {
  readonly label: string;
  readonly request: BrowserBenchRequest;
  readonly graph: () => Graph;
}

function parseSpec(spec: string, workers: number): Spec {
  const parts = spec.split(':');
  if (parts[0].endsWith('.onnx')) {
    const [path, mode = 'exact', n] = parts;
    const neuronLimit = n === undefined ? undefined : Number(n);
    const name = basename(path);
    return {
      label: `${name.replace(/\.onnx$/, '')}, ${mode}${neuronLimit === undefined ? '' : ` (first ${neuronLimit} neurons of each layer)`}`,
      request: { model: `/models/${name}`, file: true, mode: mode as GalleryMode, workers, ...(neuronLimit === undefined ? {} : { neuronLimit }) },
      graph: () => readModel([{ name, bytes: new Uint8Array(readFileSync(path)) }]),
    };
  }
  const [name, k] = parts;
  const bench = BENCH_MODELS[name]();
  return { label: k ? `${bench.name} (first ${k} layers)` : bench.name, request: { model: name, workers, ...(k ? { firstLayers: Number(k) } : {}) }, graph: () => bench.graph };
}

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
  const files = specs.map((s) => s.split(':')[0]).filter((p) => p.endsWith('.onnx'));
  const modelDirs = [...new Set(files.map((p) => dirname(p)))];
  if (modelDirs.length > 1) throw new Error(`bench --browser: model files from one folder only, got ${modelDirs.join(', ')}`);
  const site = await serveIsolated({ '/': outDir, ...(modelDirs.length > 0 ? { '/models/': modelDirs[0] + '/' } : {}) }, { 'Content-Security-Policy': CONTENT_SECURITY_POLICY });
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
      const { label, request, graph } = parseSpec(spec, workers);
      const answer = await page.evaluate(
        (r) => (globalThis as unknown as { runBench(r: BrowserBenchRequest): Promise<BrowserBenchAnswer> }).runBench(r),
        request,
      );
      if (!answer.crossOriginIsolated) throw new Error('the bench page is not cross-origin isolated');
      const g = graph();
      const ids = prepare(g).layers.map((l) => l.id);
      const settings = { mode: request.mode ?? 'exact', objective: { kind: 'neuron' as const }, radius: 1 };
      const run = request.neuronLimit === undefined ? {} : { neuronLimit: request.neuronLimit };
      // Back to back with the browser's run; a file's warm-up is its first layer, as on the page.
      const nodeSeconds = await timeGallery({ name: label, graph: g }, workers, settings, ids.slice(0, request.firstLayers ?? ids.length), undefined, !request.file, run);
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
    `The same gallery (exact mode, every neuron of the layers, unless the row says otherwise) on the same number of workers, back to back: ${report.browser}`,
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
