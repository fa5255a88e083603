import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { build } from 'vite';
import { buildNode } from '../../build/build-node.mjs';
import { CONTENT_SECURITY_POLICY } from '../../electron/common/csp';
import type { GallerySettings } from '../../workers/engine/compute';
import { decodeNpy } from '../../workers/formats/numpy/npy';
import { computeGallery } from '../../workers/pool/gallery';
import { createNodePool } from '../../workers/pool/node';
import { serveIsolated } from './pool-browser-server';
import type { PageAnswer, PageRequest } from './pool-page/main';
import { xstarRow } from '../../workers/engine/layer-result';

/**
 * The worker pool in a real browser: a page built by Vite from test/e2e/pool-page spawns
 * workers/worker.ts as module Web Workers through `threads`, computes whole galleries,
 * and every result must equal, bit for bit, what the same pool computes in Node.
 */
const HERE = dirname(fileURLToPath(import.meta.url));
const FIXTURES = join(HERE, '..', 'fixtures');

let site: { url: string; close(): Promise<void> };
let outDir: string;
let workerPath: string;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'neurovis-pool-page-'));
  await build({
    configFile: false,
    root: join(HERE, 'pool-page'),
    base: './',
    logLevel: 'warn',
    worker: { format: 'es' },
    build: { outDir, emptyOutDir: true, target: 'es2022', minify: false },
  });
  [workerPath] = await buildNode(['worker']);
  // Under the desktop app's Content-Security-Policy: its workers must compile the engine's
  // WebAssembly kernels (a TypeScript fallback would not match the Node pool bit for bit).
  site = await serveIsolated({ '/': outDir, '/fixtures/': FIXTURES }, { 'Content-Security-Policy': CONTENT_SECURITY_POLICY });
});

test.afterAll(async () => {
  await site?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

function bits(values: Float32Array): number[] {
  return Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length));
}

/** The same gallery from the Node pool, in the page's answer format. */
async function nodeGallery(model: string, settings: GallerySettings): Promise<PageAnswer['layers']> {
  const pool = createNodePool({ size: 2, workerPath });
  try {
    await pool.load([{ name: model.split('/').pop()!, bytes: new Uint8Array(readFileSync(join(FIXTURES, model))) }]);
    const outcome = await computeGallery(pool, settings);
    expect(outcome.errors).toEqual([]);
    const layers: PageAnswer['layers'] = {};
    for (const [id, r] of outcome.results) {
      layers[id] = {
        neurons: [...r.neurons],
        xstar: r.neurons.map((_, i) => bits(xstarRow(r, i))),
        stats: r.neurons.map((_, i) => bits(Float32Array.of(r.norms[i], r.activations[i], r.baselines[i]))),
        dead: Array.from(r.dead, (d) => d === 1),
      };
    }
    return layers;
  } finally {
    await pool.terminate();
  }
}

async function browserGallery(page: import('@playwright/test').Page, request: PageRequest): Promise<PageAnswer> {
  await page.goto(`${site.url}/index.html`);
  await expect(page.locator('#status')).toHaveText('ready');
  return page.evaluate((r) => (globalThis as unknown as { runGallery(r: PageRequest): Promise<PageAnswer> }).runGallery(r), request);
}

const x0 = (name: string): number[] => Array.from(decodeNpy(new Uint8Array(readFileSync(join(FIXTURES, name))), name).data);

for (const { model, settings, shareWeights } of [
  { model: 'modes/relu_cnn.onnx', settings: { mode: 'local', objective: { kind: 'neuron' }, radius: 1 }, shareWeights: true },
  { model: 'modes/resnet_block.onnx', settings: { mode: 'surrogate', objective: { kind: 'channel' }, radius: 2 }, shareWeights: false },
  { model: 'linear/models/mlp_gemm.onnx', settings: { mode: 'exact', objective: { kind: 'neuron' }, radius: 1 }, shareWeights: true },
] as const) {
  test(`the browser pool computes ${model} (${settings.mode}) exactly as the Node pool, weights ${shareWeights ? 'shared' : 'copied'}`, async ({ page }) => {
    const reference = settings.mode === 'local' ? x0(model.replace('.onnx', '.x0.npy')) : undefined;
    const answer = await browserGallery(page, { modelUrl: `/fixtures/${model}`, settings: { ...settings, reference }, size: 2, shareWeights });
    expect(answer.crossOriginIsolated).toBe(true);
    expect(answer.summary.sharedWeights).toBe(shareWeights);
    expect(answer.errors).toEqual([]);
    const expected = await nodeGallery(model, { ...settings, ...(reference ? { reference: Float32Array.from(reference) } : {}) });
    expect(Object.keys(answer.layers).sort()).toEqual(Object.keys(expected).sort());
    expect(Object.keys(expected).sort()).toEqual([...answer.summary.layers].sort());
    for (const id of Object.keys(expected)) expect(answer.layers[id], id).toEqual(expected[id]);
    // And the page's own single-threaded engine agrees (the same code on the browser's V8).
    const engine = await page.evaluate((r) => (globalThis as unknown as { engineGallery(r: PageRequest): Promise<PageAnswer['layers']> }).engineGallery(r), {
      modelUrl: `/fixtures/${model}`,
      settings: { ...settings, reference },
      size: 1,
    });
    expect(engine).toEqual(expected);
  });
}

test('a browser worker that dies mid-job is replaced and its job retried', async ({ page }) => {
  const settings = { mode: 'surrogate', objective: { kind: 'neuron' }, radius: 1 } as const;
  const answer = await browserGallery(page, { modelUrl: '/fixtures/modes/relu_mlp.onnx', settings, size: 2, crash: { layer: 'output', neuron: 1 } });
  expect(answer.errors).toEqual([]);
  expect(answer.replacedWorkers).toBe(1);
  expect(answer.poolSize).toBe(2);
  const expected = await nodeGallery('modes/relu_mlp.onnx', settings);
  for (const id of Object.keys(expected)) expect(answer.layers[id], id).toEqual(expected[id]);
});
